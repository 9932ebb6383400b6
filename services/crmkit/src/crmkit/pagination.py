"""Keyset (cursor) pagination for list RPCs: stable under inserts, no OFFSET scans.

A cursor is an opaque base64 token holding the sort key and id of the last row returned.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Select, bindparam, tuple_

from crmkit.errors import ValidationFailed

MAX_LIMIT = 500


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool


def parse_sort(sort: str | None, allowed: tuple[str, ...], default: str) -> Sort:
    text = sort or default
    descending = text.startswith("-")
    field = text.lstrip("-+")
    if field not in allowed:
        raise ValidationFailed("Invalid sort", [{"field": "sort", "message": f"sort by one of: {', '.join(allowed)}"}])
    return Sort(field, descending)


def check_limit(limit: int | None, default: int = 50) -> int:
    limit = default if limit is None else limit
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("Invalid limit", [{"field": "limit", "message": f"must be between 1 and {MAX_LIMIT}"}])
    return limit


def encode_cursor(sort: Sort, key, row_id) -> str:
    if isinstance(key, (datetime, date)):
        key = key.isoformat()
    raw = json.dumps([sort.field, sort.descending, key, str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort, column) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        field, descending, key, row_id = json.loads(raw)
        if (field, descending) != (sort.field, sort.descending):
            raise ValueError("cursor belongs to another sort order")
        if isinstance(column.type, DateTime):
            key = datetime.fromisoformat(key)
        elif isinstance(column.type, Date):
            key = date.fromisoformat(key)
        return key, row_id
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("Invalid cursor", [{"field": "cursor", "message": f"not a cursor of this list ({exc})"}]) from exc


def page(connection, query: Select, table, sort: Sort, limit: int, cursor: str | None,
         params: dict | None = None) -> tuple[list, str | None]:
    """Run `query` ordered by (sort field, id) from after `cursor`; return (rows, next_cursor).
    Sort fields must be NOT NULL columns (a NULL never compares in a row comparison).
    `params`: values of the query's own bind parameters, if it has any."""
    column, id_column = table.c[sort.field], table.c.id
    if cursor:
        key, row_id = decode_cursor(cursor, sort, column)
        after = tuple_(column, id_column)
        bound = tuple_(bindparam("k", key, type_=column.type), bindparam("i", row_id, type_=id_column.type))
        query = query.where(after < bound if sort.descending else after > bound)
    order = (column.desc(), id_column.desc()) if sort.descending else (column.asc(), id_column.asc())
    rows = connection.execute(query.order_by(*order).limit(limit + 1), params or {}).mappings().all()
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    return list(rows[:limit]), encode_cursor(sort, last[sort.field], last["id"])
