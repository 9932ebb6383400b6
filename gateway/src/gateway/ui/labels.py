"""Names for the ids a page shows (an opportunity's account, a form's choice of products),
fetched in parallel, each record once per page."""
from __future__ import annotations

import asyncio
from typing import Iterable

from gateway.ui import catalog
from gateway.ui.backend import Backend
from gateway.ui.forms import Field

# A page resolves at most this many names; the rest show as a short id (still a link).
MAX_LOOKUPS = 30
OPTION_LIMIT = 200


async def names(b: Backend, refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    wanted = list(dict.fromkeys((e, str(i)) for e, i in refs if e in catalog.ENTITIES and i))[:MAX_LOOKUPS]

    async def one(entity_key: str, record_id: str) -> str | None:
        entity = catalog.ENTITIES[entity_key]
        outcome = await entity.source.reader().get(b, record_id)
        return entity.title_of(outcome.body) if outcome.ok else None

    found = await asyncio.gather(*(one(e, i) for e, i in wanted))
    return {ref: label for ref, label in zip(wanted, found) if label}


def _sort_for(entity: catalog.Entity) -> str | None:
    sortable = [c.field for c in entity.columns if c.sortable]
    return sortable[0] if sortable else None


async def options(b: Backend, fields: Iterable[Field]) -> dict[str, list[tuple[str, str]]]:
    """For each entity some reference field points at: (id, name) choices."""
    keys = sorted({f.ref for f in fields if f.kind == "ref" and f.ref in catalog.ENTITIES})

    async def one(key: str) -> list[tuple[str, str]]:
        entity = catalog.ENTITIES[key]
        outcome = await entity.source.reader().list(b, {"limit": OPTION_LIMIT, "sort": _sort_for(entity)})
        return [(str(r["id"]), entity.title_of(r)) for r in outcome.items]

    return dict(zip(keys, await asyncio.gather(*(one(k) for k in keys))))
