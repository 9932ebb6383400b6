"""The read model of sales' customers: names for cases and contracts, and which account a
contact belongs to. Fed only by sales' events; merges re-point the service desk's records."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert

from service_desk.db import cases, contracts, customer_accounts, customer_contacts

TOMBSTONE_VERSION = 2**31 - 1  # beats any real version: nothing resurrects a deleted record


def _forward_only_upsert(table: Table, key: str):
    """INSERT ... ON CONFLICT DO UPDATE only when the incoming source_version is newer, so
    a late or redelivered older event never overwrites newer data. Built once per table."""
    statement = insert(table).values({c.name: bindparam(c.name) for c in table.columns})
    return statement.on_conflict_do_update(
        index_elements=[key],
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name != key},
        where=table.c.source_version < statement.excluded.source_version,
    )


UPSERT_ACCOUNT = _forward_only_upsert(customer_accounts, "account_id")
UPSERT_CONTACT = _forward_only_upsert(customer_contacts, "contact_id")


def _row(table: Table, values: dict) -> dict:
    row = {c.name: values.get(c.name) for c in table.columns}
    row["synced_at"] = datetime.now(timezone.utc)
    return row


def apply_account(connection, payload: dict) -> None:
    connection.execute(UPSERT_ACCOUNT, _row(customer_accounts, payload | {
        "source_version": payload["version"], "deleted": False}))


def apply_contact(connection, payload: dict) -> None:
    connection.execute(UPSERT_CONTACT, _row(customer_contacts, payload | {
        "source_version": payload["version"], "deleted": False}))


def _bump(table):
    return {"updated_at": datetime.now(timezone.utc), "version": table.c.version + 1}


def merge_accounts(connection, payload: dict) -> None:
    """Sales merged two accounts: cases and contracts of the merged one now belong to the
    survivor, and the merged name disappears from the read model."""
    merged, survivor = payload["merged_account_id"], payload["surviving_account_id"]
    for table in (cases, contracts):
        connection.execute(update(table).where(table.c.customer_account_id == merged)
                           .values(customer_account_id=survivor, **_bump(table)))
    connection.execute(update(customer_contacts).where(customer_contacts.c.account_id == merged)
                       .values(account_id=survivor))
    connection.execute(UPSERT_ACCOUNT, _row(customer_accounts, {
        "account_id": merged, "source_version": TOMBSTONE_VERSION, "deleted": True}))


def merge_contacts(connection, payload: dict) -> None:
    merged, survivor = payload["merged_contact_id"], payload["surviving_contact_id"]
    connection.execute(update(cases).where(cases.c.customer_contact_id == merged)
                       .values(customer_contact_id=survivor, **_bump(cases)))
    connection.execute(UPSERT_CONTACT, _row(customer_contacts, {
        "contact_id": merged, "source_version": TOMBSTONE_VERSION, "deleted": True}))


def account_of_contact(connection, contact_id: str | None) -> str | None:
    if not contact_id:
        return None
    return connection.execute(select(customer_contacts.c.account_id)
                              .where(customer_contacts.c.contact_id == contact_id)).scalar()


def customer_account_of(connection, case: dict) -> str | None:
    """The account a case's customer is, or belongs to (as far as sales told us)."""
    return case.get("customer_account_id") or account_of_contact(connection, case.get("customer_contact_id"))


def names_for(connection, records: list[dict]) -> dict[str, str]:
    """{customer id: display name} for the accounts and contacts `records` point at."""
    account_ids = {r["customer_account_id"] for r in records if r.get("customer_account_id")}
    contact_ids = {r["customer_contact_id"] for r in records if r.get("customer_contact_id")}
    names: dict[str, str] = {}
    if account_ids:
        rows = connection.execute(select(customer_accounts.c.account_id, customer_accounts.c.name)
                                  .where(customer_accounts.c.account_id.in_(account_ids),
                                         customer_accounts.c.deleted.is_(False)))
        names.update({row.account_id: row.name for row in rows})
    if contact_ids:
        rows = connection.execute(select(customer_contacts)
                                  .where(customer_contacts.c.contact_id.in_(contact_ids),
                                         customer_contacts.c.deleted.is_(False)))
        for row in rows.mappings():
            full = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
            names[row["contact_id"]] = full or None
    return names
