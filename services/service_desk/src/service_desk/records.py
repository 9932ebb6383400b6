"""How the service desk uses crmkit's generic record flows for the records that only it cares
about (contracts, SLA policies, queues, routing rules, knowledge articles)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from crmkit.database import DatabaseAccess
from crmkit.errors import Conflict, NotFound
from crmkit.records import valid_id
from crmkit.repository import Repository
from crmkit.resources import Resource, ResourceFlows


def now() -> datetime:
    return datetime.now(timezone.utc)


def unpublished(resource: Resource) -> Resource:
    """EVENTS.md gives these records no events: their Created/Updated/Deleted stay unpublished."""
    return dataclasses.replace(resource, publish_events=False)


def record_flows(db: DatabaseAccess, resource: Resource) -> ResourceFlows:
    return ResourceFlows(db, unpublished(resource))


def editable_only_while(statuses: set[str], always_editable: set[str], label: str):
    """A `Resource.check` that refuses (409) changing a record outside `statuses`, except the
    `always_editable` fields. It runs inside the update's transaction, after the row lock."""

    def check(repo: Repository, candidate: dict) -> list[dict]:
        if not candidate.get("id"):
            return []  # a new record
        current = repo.get(candidate["id"])
        if current["status"] in statuses:
            return []
        changed = sorted(key for key, value in candidate.items()
                         if key not in always_editable and current.get(key) != value)
        if changed:
            raise Conflict(f"A {current['status']} {label} cannot change {', '.join(changed)}; "
                           f"only a {' or '.join(sorted(statuses))} {label} can.")
        return []

    return check


def both(*checks):
    """Several `Resource.check` functions as one; field errors add up."""
    return lambda repo, record: [error for check in checks for error in check(repo, record)]


def get_or_404(repo: Repository, record_id, label: str, for_update: bool = False) -> dict:
    record = repo.get(valid_id(record_id, label), for_update=for_update)
    if record is None:
        raise NotFound(f"No {label} with id {record_id}")
    return record
