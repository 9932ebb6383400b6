"""Records shared with one user or team (Dynamics' "share"): which privileges on which record.
Owners keep their access; a share adds to it and can be taken back."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.tables import record_shares as shares

_SHOWN = (shares.c.principal_id, shares.c.principal_type, shares.c.privileges, shares.c.shared_by,
          shares.c.created_at, shares.c.updated_at)


async def of_record(engine: AsyncEngine, resource: str, record_id: uuid.UUID) -> list[dict]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(*_SHOWN).where(shares.c.resource == resource,
                                                        shares.c.record_id == record_id)
                                  .order_by(shares.c.created_at, shares.c.principal_id))
        return [dict(row) for row in rows.mappings()]


async def grant(engine: AsyncEngine, resource: str, record_id: uuid.UUID, principal_id: uuid.UUID,
                principal_type: str, privileges: list[str], shared_by: uuid.UUID) -> dict:
    """Share the record with the principal; sharing again replaces the privileges."""
    now = datetime.now(timezone.utc)
    statement = insert(shares).values(resource=resource, record_id=record_id, principal_id=principal_id,
                                      principal_type=principal_type, privileges=privileges, shared_by=shared_by,
                                      created_at=now, updated_at=now, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=["resource", "record_id", "principal_id"],
        set_={"privileges": statement.excluded.privileges, "shared_by": shared_by, "updated_at": now,
              "version": shares.c.version + 1}).returning(*_SHOWN)
    async with engine.begin() as conn:
        return dict((await conn.execute(statement)).mappings().one())


async def revoke(engine: AsyncEngine, resource: str, record_id: uuid.UUID, principal_id: uuid.UUID) -> bool:
    async with engine.begin() as conn:
        result = await conn.execute(delete(shares).where(shares.c.resource == resource, shares.c.record_id == record_id,
                                                         shares.c.principal_id == principal_id))
        return result.rowcount > 0
