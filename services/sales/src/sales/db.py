"""Sales tables and the repositories that read and write them (SQLAlchemy Core)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (Column, Date, DateTime, ForeignKey, Integer, MetaData, Numeric, String,
                        Table, delete, func, insert, or_, select, update)
from sqlalchemy.dialects.postgresql import UUID

from crmkit import pagination

metadata = MetaData()


def _audit_columns():
    return [
        Column("owner_id", UUID(as_uuid=False)),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
    ]


accounts = Table(
    "accounts", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("account_number", String(50)),
    Column("industry", String(100)),
    Column("website", String(300)),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("address_line1", String(200)),
    Column("address_city", String(100)),
    Column("address_postal_code", String(20)),
    Column("address_country", String(100)),
    Column("parent_account_id", UUID(as_uuid=False), ForeignKey("accounts.id")),
    Column("credit_limit", Numeric(18, 2)),
    Column("currency", String(3)),
    *_audit_columns(),
)

contacts = Table(
    "contacts", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("first_name", String(100)),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("mobile", String(50)),
    Column("job_title", String(100)),
    Column("account_id", UUID(as_uuid=False), ForeignKey("accounts.id")),
    Column("birth_date", Date),
    Column("city", String(100)),
    Column("country", String(100)),
    *_audit_columns(),
)

ADDRESS_PARTS = ("line1", "city", "postal_code", "country")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Repository:
    """CRUD and keyset listing of one table; subclasses map records <-> rows."""

    table: Table
    text_search_columns: tuple[str, ...] = ()
    filter_columns: dict[str, str] = {}
    sort_fields: tuple[str, ...] = ("created_at", "updated_at")
    default_sort: str = "-created_at"

    def __init__(self, connection):
        self.connection = connection

    def to_row(self, record: dict) -> dict:
        return dict(record)

    def to_record(self, row) -> dict:
        return dict(row)

    def add(self, values: dict, owner_id: str | None) -> dict:
        now = _now()
        blank = {name: None for name in self.table.c.keys()}  # the record is complete
        row = blank | self.to_row(values) | {"id": str(uuid.uuid4()), "owner_id": owner_id,
                                             "created_at": now, "updated_at": now, "version": 1}
        self.connection.execute(insert(self.table), row)
        return self.to_record(row)

    def get(self, record_id: str, for_update: bool = False) -> dict | None:
        query = select(self.table).where(self.table.c.id == record_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
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
        query = select(self.table)
        for field, value in filters.items():
            query = query.where(self.table.c[self.filter_columns[field]] == value)
        if q:
            pattern = f"%{q}%"
            query = query.where(or_(*(self.table.c[c].ilike(pattern) for c in self.text_search_columns)))
        rows, next_cursor = pagination.page(self.connection, query, self.table, sort, limit, cursor)
        return [self.to_record(row) for row in rows], next_cursor


class AccountRepository(Repository):
    table = accounts
    text_search_columns = ("name", "email", "phone", "account_number")
    filter_columns = {"name": "name", "industry": "industry", "account_number": "account_number",
                      "parent_account_id": "parent_account_id", "owner_id": "owner_id",
                      "currency": "currency", "email": "email", "city": "address_city",
                      "country": "address_country"}
    sort_fields = ("name", "created_at", "updated_at")

    def to_row(self, record: dict) -> dict:
        row = {key: value for key, value in record.items() if key != "address"}
        if "address" in record:
            address = record["address"] or {}
            row.update({f"address_{part}": address.get(part) for part in ADDRESS_PARTS})
        return row

    def to_record(self, row) -> dict:
        record = {key: value for key, value in dict(row).items() if not key.startswith("address_")}
        record["address"] = {part: row[f"address_{part}"] for part in ADDRESS_PARTS}
        return record

    def parent_of(self, account_id: str) -> str | None:
        return self.connection.execute(
            select(accounts.c.parent_account_id).where(accounts.c.id == account_id)).scalar()


class ContactRepository(Repository):
    table = contacts
    text_search_columns = ("first_name", "last_name", "email", "phone", "mobile")
    filter_columns = {name: name for name in ("account_id", "last_name", "email", "owner_id", "city",
                                              "country", "job_title")}
    sort_fields = ("last_name", "created_at", "updated_at")
