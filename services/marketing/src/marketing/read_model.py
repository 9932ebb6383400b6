"""Applying sales events to marketing's read model: forward-only upserts and tombstones."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert

from marketing.db import customer_accounts, customer_contacts

TOMBSTONE_VERSION = 2**31 - 1  # beats any real version: nothing resurrects a deleted record


def _upsert(session, table: Table, key: str, values: dict) -> None:
    columns = {c.name for c in table.columns}
    row = {k: v for k, v in values.items() if k in columns}
    row["synced_at"] = datetime.now(timezone.utc)
    statement = insert(table).values(row)
    session.execute(statement.on_conflict_do_update(
        index_elements=[key],
        set_={name: statement.excluded[name] for name in row if name != key},
        where=table.c.source_version < statement.excluded.source_version,
    ))


def apply_account(session, payload: dict) -> None:
    _upsert(session, customer_accounts, "account_id",
            payload | {"source_version": payload["version"], "deleted": False})


def delete_account(session, payload: dict) -> None:
    _upsert(session, customer_accounts, "account_id",
            {"account_id": payload["account_id"], "source_version": TOMBSTONE_VERSION, "deleted": True})


def apply_contact(session, payload: dict) -> None:
    _upsert(session, customer_contacts, "contact_id",
            payload | {"source_version": payload["version"], "deleted": False})


def delete_contact(session, payload: dict) -> None:
    _upsert(session, customer_contacts, "contact_id",
            {"contact_id": payload["contact_id"], "source_version": TOMBSTONE_VERSION, "deleted": True})
