"""Merging a duplicate contact or account into the one that survives: every reference moves
to the survivor, the survivor takes the values it lacked, the duplicate is removed, and an
audit row keeps what the duplicate was and what moved. ContactMerged / AccountMerged tell the
other services to re-point their own references."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Table, insert, select

from crmkit.database import DatabaseAccess
from crmkit.records import json_safe, valid_id
from crmkit.resources import Resource
from sales.customers import ACCOUNTS, CONTACTS
from sales.db import invoices, leads, merges, opportunities, orders, quotes, repoint
from sales.domain import events
from sales.domain.customers import ACCOUNT_FIELDS, CONTACT_FIELDS, creates_cycle
from sales.domain.merging import merged_values
from sales.flows import get_or_404, load_input, raise_for
from sales.schemas import MergeInput


@dataclass(frozen=True)
class MergeKind:
    resource: Resource
    fields: tuple[str, ...]  # survivor fields filled from the duplicate where empty
    references: tuple[tuple[Table, str], ...]  # re-pointed in bulk
    # (resource, column): re-pointed record by record, each announced with <Record>Updated so
    # that read models of those records (marketing's) follow
    announced: tuple[tuple[Resource, str], ...] = ()

    @property
    def label(self) -> str:
        return self.resource.label


CONTACT_MERGE = MergeKind(CONTACTS, CONTACT_FIELDS,
                          ((leads, "contact_id"), (opportunities, "contact_id"), (quotes, "contact_id")))
ACCOUNT_MERGE = MergeKind(
    ACCOUNTS, tuple(field for field in ACCOUNT_FIELDS if field != "parent_account_id"),
    ((leads, "account_id"), (opportunities, "account_id"), (quotes, "account_id"), (orders, "account_id"),
     (invoices, "account_id")),
    ((CONTACTS, "account_id"), (ACCOUNTS, "parent_account_id")))


def merge(db: DatabaseAccess, kind: MergeKind, surviving_id: str, data, merged_by: str | None) -> dict:
    label = kind.label
    surviving_id = valid_id(surviving_id, label)
    duplicate_id = load_input(MergeInput, data)["duplicate_id"]
    raise_for([{"field": "duplicate_id", "message": f"a {label} cannot be merged into itself"}]
              if duplicate_id == surviving_id else [], "merge")
    with db.unit_of_work() as uow:
        repo = kind.resource.repository(uow.connection)
        # Locked in id order: two merges of one pair in opposite directions cannot deadlock.
        locked = {record_id: get_or_404(repo, record_id, label, for_update=True)
                  for record_id in sorted((surviving_id, duplicate_id))}
        survivor, duplicate = locked[surviving_id], locked[duplicate_id]
        changes = merged_values(survivor, duplicate, kind.fields)
        if kind is ACCOUNT_MERGE and survivor["parent_account_id"] == duplicate["id"]:
            # The survivor was the duplicate's child: it takes the duplicate's place.
            parent = duplicate["parent_account_id"]
            changes["parent_account_id"] = parent if parent != survivor["id"] else None
        survivor = _announce_change(uow, kind.resource, repo, survivor["id"], changes) if changes else json_safe(survivor)
        moved = {f"{resource.repository.table.name}.{column}": _move_announced(uow, resource, column, duplicate, survivor)
                 for resource, column in kind.announced}
        moved |= {f"{table.name}.{column}": repoint(uow.connection, table, column, duplicate["id"], survivor["id"])
                  for table, column in kind.references}
        repo.remove(duplicate["id"])
        audit = {"id": str(uuid.uuid4()), "record_type": label, "surviving_id": survivor["id"],
                 "merged_id": duplicate["id"], "merged_record": json_safe(duplicate), "survivor_changes": json_safe(changes),
                 "moved": moved, "merged_by": merged_by, "merged_at": datetime.now(timezone.utc)}
        uow.connection.execute(insert(merges), audit)
        uow.add_event(f"{kind.resource.event_prefix}Merged",
                      events.merged(label, survivor["id"], duplicate["id"], audit["id"]))
        return {label: survivor, "merge": json_safe(audit)}


def _announce_change(uow, resource: Resource, repo, record_id: str, changes: dict) -> dict:
    current = repo.get(record_id, for_update=True)
    record = json_safe(repo.change(current, changes))
    uow.add_event(f"{resource.event_prefix}Updated", resource.event_payload(record) | {"changed": sorted(changes)})
    return record


def _move_announced(uow, resource: Resource, column: str, duplicate: dict, survivor: dict) -> int:
    repo = resource.repository(uow.connection)
    table = repo.table
    ids = uow.connection.execute(select(table.c.id).where(table.c[column] == duplicate["id"])).scalars().all()
    for record_id in ids:
        target = survivor["id"]
        if column == "parent_account_id" and creates_cycle(record_id, target, repo.parent_of):
            target = None  # the survivor sits below this child: re-parenting it would make a loop
        _announce_change(uow, resource, repo, record_id, {column: target})
    return len(ids)


def merges_of(db: DatabaseAccess, record_id: str) -> list[dict]:
    """The audit trail: merges in which the record survived or was merged away."""
    with db.reading() as connection:
        rows = connection.execute(select(merges).where(
            (merges.c.surviving_id == record_id) | (merges.c.merged_id == record_id)).order_by(merges.c.merged_at))
        return json_safe([dict(row) for row in rows.mappings()])
