"""What the sales flows share: loading a record or answering 404, refusing likely duplicates,
and running a state-machine action inside one unit of work."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from crmkit.database import DatabaseAccess
from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.records import json_safe, load, valid_id
from crmkit.repository import Repository
from crmkit.resources import Resource, ResourceFlows
from sales.domain.duplicates import duplicate_errors, matching_keys
from sales.domain.lifecycle import StateMachine


def get_or_404(repo: Repository, record_id, label: str, for_update: bool = False) -> dict:
    record = repo.get(valid_id(record_id, label), for_update=for_update)
    if record is None:
        raise NotFound(f"No {label} with id {record_id}")
    return record


def missing_reference(repo: Repository, record_id: str | None, field: str, label: str) -> list[dict]:
    """A field error when `record_id` is given and names no record of `repo`."""
    if record_id and not repo.exists(record_id):
        return [{"field": field, "message": f"no {label} with id {record_id}"}]
    return []


def missing_references(connection, record: dict, references) -> list[dict]:
    """missing_reference for each (repository class, field, label) of `references`."""
    return [error for repo_cls, field, label in references
            for error in missing_reference(repo_cls(connection), record.get(field), field, label)]


def raise_for(errors: list[dict], label: str) -> None:
    if errors:
        raise ValidationFailed(f"Invalid {label}", errors)


def load_input(schema_cls, data) -> dict:
    return load(schema_cls(), data if data is not None else {})


# --- duplicate detection -------------------------------------------------------------------

# Each resource that refuses duplicates: where to look -> [(repository, label)], its phone
# fields, and whether names are matched too (accounts).
DuplicateRule = tuple[Callable[[object], list[tuple[Repository, str]]], tuple[str, ...], bool]


def find_duplicates(connection, rule: DuplicateRule, record: dict) -> list[tuple[str, str, str]]:
    where, phone_fields, with_name = rule
    keys = matching_keys(record, phone_fields, with_name)
    if not keys:
        return []
    return [(kind, label, record_id) for repo, label in where(connection)
            for kind, record_id in repo.matches(keys) if record_id != record.get("id")]


def refuse_duplicates(conflict_label: str, matches: list[tuple[str, str, str]]) -> None:
    if matches:
        ids = sorted({record_id for _, _, record_id in matches})
        raise Conflict(f"This {conflict_label} looks like a duplicate of {', '.join(ids)}; send "
                       "allow_duplicate=true to create it anyway.", duplicate_errors(matches))


def create_refusing_duplicates(db: DatabaseAccess, resource: Resource, rule: DuplicateRule, data,
                               owner_id: str | None) -> dict:
    """Create through ResourceFlows; unless `allow_duplicate` is true, a record sharing a
    normalised email, phone (or account name) with an existing one is refused with 409 naming
    the matching ids. The check runs in the creating transaction, after the field rules."""
    data = dict(data) if isinstance(data, dict) else data
    allow = data.pop("allow_duplicate", False) if isinstance(data, dict) else False
    if not isinstance(allow, bool):
        raise ValidationFailed("Invalid input", [{"field": "allow_duplicate", "message": "must be true or false"}])
    if not allow:
        def check(repo, record, original=resource.check):
            errors = original(repo, record)
            if not errors:
                refuse_duplicates(resource.label, find_duplicates(repo.connection, rule, record))
            return errors

        resource = replace(resource, check=check)
    return ResourceFlows(db, resource).create(data, owner_id)


# --- state-machine actions -----------------------------------------------------------------

def act(uow, repo: Repository, record_id, machine: StateMachine, action: str,
        changes: Callable[[dict], dict] = lambda record: {}) -> tuple[dict, dict]:
    """Lock the record, check that `action` is allowed in its status, apply the status change
    with `changes(record)`; returns (record before, record after), JSON-safe."""
    current = get_or_404(repo, record_id, machine.label, for_update=True)
    status = machine.next_status(current["status"], action)
    values = changes(current) | ({"status": status} if status != current["status"] else {})
    updated = repo.change(current, values) if values else current
    return json_safe(current), json_safe(updated)
