"""Saved list views: a name for a list's filters, search and sort, kept in the browser (a
cookie), so views need no table of their own in the gateway's database."""
from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

COOKIE = "crm_views"
MAX_PER_LIST = 10
MAX_NAME = 40
# What a view remembers; paging is where you are, not what you look at.
REMEMBERED_SKIP = ("cursor", "view")


def load(raw: str | None) -> dict[str, list[list[str]]]:
    try:
        views = json.loads(base64.urlsafe_b64decode((raw or "").encode()) or b"{}")
    except ValueError:
        return {}
    if not isinstance(views, dict):
        return {}
    return {k: [v for v in items if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)]
            for k, items in views.items() if isinstance(items, list)}


def remembered_query(params: dict[str, str]) -> str:
    return urlencode({k: v for k, v in params.items() if k not in REMEMBERED_SKIP and v})


def save(views: dict, entity_key: str, name: str, query: str) -> dict:
    name = " ".join(name.split())[:MAX_NAME]
    kept = [v for v in views.get(entity_key, []) if v[0] != name]
    return views | {entity_key: ([[name, query]] + kept)[:MAX_PER_LIST]}


def remove(views: dict, entity_key: str, name: str) -> dict:
    return views | {entity_key: [v for v in views.get(entity_key, []) if v[0] != name]}


def dump(views: dict) -> str:
    # base64: cookie values cannot hold JSON's quotes and commas as they are.
    text = json.dumps({k: v for k, v in views.items() if v}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()
