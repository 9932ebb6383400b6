"""The repository every service's records use: CRUD and keyset listing of one SQLAlchemy Core
table on the unit of work's connection, plus the audit columns every record carries."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from functools import cache

from sqlalchemy import Column, DateTime, Integer, Select, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import UUID

from crmkit import pagination
from crmkit.reach import Reach


def audit_columns() -> list[Column]:
    """owner_id, created_at, updated_at and version: API.md asks them of every record."""
    return [
        Column("owner_id", UUID(as_uuid=False)),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
    ]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@cache
def _by_id(table: Table, for_update: bool) -> Select:
    """SELECT one record by id, built once per table: building it (and its cache key) on
    every read cost more CPU than running it."""
    query = select(table).where(table.c.id == bindparam("record_id"))
    return query.with_for_update() if for_update else query


class Repository:
    """CRUD and keyset listing of one table; subclasses map records <-> rows."""

    table: Table
    text_search_columns: tuple[str, ...] = ()
    filter_columns: dict[str, str] = {}
    sort_fields: tuple[str, ...] = ("created_at", "updated_at")
    default_sort: str = "-created_at"

    def __init__(self, connection, reach: Reach | None = None):
        self.connection = connection
        # Lists show only the records the caller may see (the gateway's security model);
        # None: every record (service-to-service reads, administrators).
        self.reach = reach

    def within_reach(self) -> list:
        """WHERE conditions limiting a query of this table to the caller's reach."""
        return [] if self.reach is None else [self.reach.condition(self.table)]

    def to_row(self, record: dict) -> dict:
        return dict(record)

    def to_record(self, row) -> dict:
        return dict(row)

    def _new_row(self, values: dict, owner_id: str | None, now: datetime) -> dict:
        blank = {name: None for name in self.table.c.keys()}  # the record is complete
        return blank | self.to_row(values) | {"id": str(uuid.uuid4()), "owner_id": owner_id,
                                              "created_at": now, "updated_at": now, "version": 1}

    def add(self, values: dict, owner_id: str | None) -> dict:
        row = self._new_row(values, owner_id, _now())
        self.connection.execute(insert(self.table), row)
        return self.to_record(row)

    def add_many(self, values_list: list[dict], owner_id: str | None) -> list[dict]:
        """Insert several records in one statement (imports). A repository that adds its own
        steps to `add` keeps them: it inserts one by one."""
        if type(self).add is not Repository.add:
            return [self.add(values, owner_id) for values in values_list]
        now = _now()
        rows = [self._new_row(values, owner_id, now) for values in values_list]
        if rows:
            self.connection.execute(insert(self.table), rows)
        return [self.to_record(row) for row in rows]

    def get(self, record_id: str, for_update: bool = False) -> dict | None:
        row = self.connection.execute(_by_id(self.table, for_update), {"record_id": record_id}).mappings().first()
        return self.to_record(row) if row else None

    def exists(self, record_id: str) -> bool:
        return self.connection.execute(select(self.table.c.id).where(self.table.c.id == record_id)).first() is not None

    def change(self, current: dict, changes: dict) -> dict:
        row = self.to_row(changes) | {"updated_at": _now(), "version": current["version"] + 1}
        self.connection.execute(update(self.table).where(self.table.c.id == current["id"]).values(row))
        return self.get(current["id"])

    def remove(self, record_id: str) -> None:
        self.connection.execute(delete(self.table).where(self.table.c.id == record_id))

    def count_where(self, column: str, value) -> int:
        return self.connection.execute(
            select(func.count()).select_from(self.table).where(self.table.c[column] == value)).scalar_one()

    def list(self, filters: dict, q: str | None, sort: pagination.Sort, limit: int, cursor: str | None):
        query = select(self.table).where(*self.within_reach())
        for field, value in filters.items():
            query = query.where(self.table.c[self.filter_columns[field]] == value)
        if q:
            pattern = f"%{q}%"
            query = query.where(or_(*(self.table.c[c].ilike(pattern) for c in self.text_search_columns)))
        rows, next_cursor = pagination.page(self.connection, query, self.table, sort, limit, cursor)
        return [self.to_record(row) for row in rows], next_cursor
