"""What activities keeps of other services' records, from their events: display labels,
the customer account each record belongs to, owners, deletions and merges.

Full-state events (AccountUpdated, ContactUpdated, ...) replace what is known, forward
only. Events that merely mention a record (an order's account in QuoteAccepted) fill in
what is still unknown and never overwrite a full state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from activities.db import known_records

COLUMNS = ("record_type", "record_id", "label", "account_id", "owner_id", "source_version", "source_at",
           "merged_into", "deleted")
MENTION_VERSION = -1  # below every real state (versions start at 0 or 1)
MAX_MERGE_HOPS = 10

_insert = insert(known_records).values({name: bindparam(name) for name in COLUMNS})
_newer = (tuple_(known_records.c.source_version, known_records.c.source_at)
          < tuple_(_insert.excluded.source_version, _insert.excluded.source_at))
APPLY_STATE = _insert.on_conflict_do_update(
    index_elements=["record_type", "record_id"],
    set_={name: _insert.excluded[name] for name in ("label", "account_id", "owner_id", "source_version",
                                                     "source_at")},
    where=_newer & known_records.c.deleted.is_(False),
)
NOTE_MENTION = _insert.on_conflict_do_update(
    index_elements=["record_type", "record_id"],
    set_={name: func.coalesce(known_records.c[name], _insert.excluded[name])
          for name in ("label", "account_id", "owner_id")},
)


def _row(record_type: str, record_id: str, occurred_at: datetime, version: int, **values) -> dict:
    return {"record_type": record_type, "record_id": str(record_id), "label": None, "account_id": None,
            "owner_id": None, "merged_into": None, "deleted": False, "source_version": version,
            "source_at": occurred_at} | values


def apply_state(connection, record_type: str, record_id: str, occurred_at: datetime,
                version: int | None = None, **values) -> None:
    connection.execute(APPLY_STATE, _row(record_type, record_id, occurred_at, version or 0, **values))


def note_mention(connection, record_type: str, record_id: str | None, occurred_at: datetime, **values) -> None:
    if record_id:
        connection.execute(NOTE_MENTION, _row(record_type, record_id, occurred_at, MENTION_VERSION, **values))


def mark_deleted(connection, record_type: str, record_id: str, occurred_at: datetime,
                 merged_into: str | None = None) -> None:
    """A tombstone keeps the label: past activities still say what they were about."""
    note_mention(connection, record_type, record_id, occurred_at)
    connection.execute(update(known_records).where(
        known_records.c.record_type == record_type, known_records.c.record_id == str(record_id))
        .values(deleted=True, merged_into=merged_into and str(merged_into)))


def move_accounts(connection, merged_account_id: str, surviving_account_id: str) -> None:
    connection.execute(update(known_records).where(known_records.c.account_id == merged_account_id)
                       .values(account_id=surviving_account_id))


# Read on every activity written and every 360 view: built once.
_MERGED_INTO = select(known_records.c.merged_into).where(
    known_records.c.record_type == bindparam("record_type"), known_records.c.record_id == bindparam("record_id"))
_RECORDS_OF_ACCOUNT = (select(known_records.c.record_type, known_records.c.record_id)
                       .where(known_records.c.account_id == bindparam("account_id")))


def surviving(connection, record_type: str, record_id: str | None) -> str | None:
    """Follow merges: a record merged away is replaced by the one it was merged into."""
    current = record_id and str(record_id)
    for _ in range(MAX_MERGE_HOPS):
        merged_into = connection.execute(_MERGED_INTO, {"record_type": record_type, "record_id": current}).scalar()
        if merged_into is None:
            return current
        current = merged_into
    return current


def survivors(connection, refs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """`surviving` for many records in one query: {(type, id): surviving id} of those merged away."""
    if not refs:
        return {}
    rows = connection.execute(select(known_records.c.record_type, known_records.c.record_id,
                                     known_records.c.merged_into).where(
        known_records.c.record_type.in_(sorted({t for t, _ in refs})),
        known_records.c.record_id.in_(sorted({i for _, i in refs})),
        known_records.c.merged_into.isnot(None)))
    return {(row.record_type, row.record_id): surviving(connection, row.record_type, row.merged_into)
            for row in rows if (row.record_type, row.record_id) in refs}


def known(connection, record_type: str, record_id: str | None) -> dict | None:
    if not record_id:
        return None
    row = connection.execute(select(known_records).where(
        known_records.c.record_type == record_type, known_records.c.record_id == str(record_id))).mappings().first()
    return dict(row) if row else None


def records_of_account(connection, account_id: str) -> list[tuple[str, str]]:
    """The account and every known record that belongs to it (contacts, cases, orders, ...)."""
    rows = connection.execute(_RECORDS_OF_ACCOUNT, {"account_id": account_id}).all()
    return sorted({("account", account_id), *((row.record_type, row.record_id) for row in rows)})


def person_label(payload: dict) -> str | None:
    name = " ".join(part for part in (payload.get("first_name"), payload.get("last_name")) if part)
    return name or None


# --- effects of the events that carry a record's state (or its end) --------------------------

def applies_state(record_type: str, label_of, account_of=lambda payload: None):
    """The effect of a full-state event of `record_type` (its id in `<record_type>_id`)."""
    def apply(uow, event) -> None:
        p = event.payload
        apply_state(uow.connection, record_type, p[f"{record_type}_id"], event.occurred_at, p.get("version"),
                    label=label_of(p), account_id=account_of(p), owner_id=p.get("owner_id"))
    return apply


def forgets(record_type: str):
    def forget(uow, event) -> None:
        mark_deleted(uow.connection, record_type, event.payload[f"{record_type}_id"], event.occurred_at)
    return forget


apply_account = applies_state("account", lambda p: p.get("name"), lambda p: p["account_id"])
apply_contact = applies_state("contact", person_label, lambda p: p.get("account_id"))
apply_lead = applies_state("lead", lambda p: p.get("topic") or p.get("company_name") or person_label(p))
apply_campaign = applies_state("campaign", lambda p: p.get("name"))
apply_resource = applies_state("resource", lambda p: p.get("name"))


def apply_case(uow, event) -> None:
    connection, p = uow.connection, event.payload
    customer = p.get("customer") or {}
    account_id = p.get("customer_account_id") or (customer.get("id") if customer.get("type") == "account" else None)
    apply_state(connection, "case", p["case_id"], event.occurred_at, p.get("version"),
                label=p.get("title"), account_id=account_id, owner_id=p.get("owner_id"))
    if customer.get("type") == "contact":
        note_mention(connection, "contact", customer.get("id"), event.occurred_at, account_id=account_id)


def note_quote(uow, event) -> None:
    """An accepted quote names the order and opportunity of an account: activities regarding
    them belong to that customer."""
    connection, p = uow.connection, event.payload
    for record_type in ("quote", "order", "opportunity"):
        note_mention(connection, record_type, p.get(f"{record_type}_id"), event.occurred_at,
                     account_id=p.get("account_id"))
