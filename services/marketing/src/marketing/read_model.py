"""Applying sales events to marketing's read model: forward-only upserts and tombstones."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert

from marketing.db import customer_accounts, customer_contacts

TOMBSTONE_VERSION = 2**31 - 1  # beats any real version: nothing resurrects a deleted record


def _forward_only_upsert(table: Table, key: str):
    """INSERT ... ON CONFLICT DO UPDATE only when the incoming source_version is newer.
    Built once per table (every event runs it) and executed with every column as a param."""
    statement = insert(table).values({c.name: bindparam(c.name) for c in table.columns})
    return statement.on_conflict_do_update(
        index_elements=[key],
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name != key},
        where=table.c.source_version < statement.excluded.source_version,
    )


UPSERT_ACCOUNT = _forward_only_upsert(customer_accounts, "account_id")
UPSERT_CONTACT = _forward_only_upsert(customer_contacts, "contact_id")


def _row(table: Table, values: dict) -> dict:
    """Every column of the table (absent ones NULL) from an event payload."""
    row = {c.name: values.get(c.name) for c in table.columns}
    row["synced_at"] = datetime.now(timezone.utc)
    return row


def apply_account(connection, payload: dict) -> None:
    connection.execute(UPSERT_ACCOUNT, _row(customer_accounts, payload | {
        "source_version": payload["version"], "deleted": False}))


def delete_account(connection, payload: dict) -> None:
    connection.execute(UPSERT_ACCOUNT, _row(customer_accounts, {
        "account_id": payload["account_id"], "source_version": TOMBSTONE_VERSION, "deleted": True}))


def apply_contact(connection, payload: dict) -> None:
    connection.execute(UPSERT_CONTACT, _row(customer_contacts, payload | {
        "source_version": payload["version"], "deleted": False}))


def delete_contact(connection, payload: dict) -> None:
    connection.execute(UPSERT_CONTACT, _row(customer_contacts, {
        "contact_id": payload["contact_id"], "source_version": TOMBSTONE_VERSION, "deleted": True}))
