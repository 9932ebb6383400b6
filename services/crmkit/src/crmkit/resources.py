"""The generic create/read/update/delete/list flow every record follows, in every service, so
each record type only states what differs: its schema, repository, rules and events."""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Callable

from marshmallow import Schema
from sqlalchemy.dialects.postgresql import UUID

from crmkit import pagination
from crmkit.database import DatabaseAccess
from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.reach import Reach
from crmkit.records import changed_fields, check_version, json_safe, load, valid_id
from crmkit.repository import Repository


@dataclass(frozen=True)
class Resource:
    label: str  # "account": used in messages
    event_prefix: str  # "Account" -> AccountCreated / AccountUpdated / AccountDeleted
    schema: type[Schema]
    repository: type[Repository]
    event_payload: Callable[[dict], dict]
    # (repository, candidate record) -> field errors of rules that need the database
    check: Callable[[Repository, dict], list[dict]] = lambda repo, record: []
    # (repository, record) -> why it cannot be deleted, or None
    delete_blocker: Callable[[Repository, dict], str | None] = lambda repo, record: None
    # cleans loaded input (e.g. lower-cases emails) before rules and storage
    normalise: Callable[[dict], dict] = lambda values: values
    # False for records no other service cares about: no <X>Created/Updated/Deleted events
    # (publishing them would promise downstream systems a contract nobody maintains).
    publish_events: bool = True


@functools.cache
def _schema(schema_class: type[Schema]) -> Schema:
    # Building a marshmallow schema deep-copies its fields: once per class, not per request
    # (loading with a shared instance is safe; `partial` is passed per call).
    return schema_class()


class ResourceFlows:
    def __init__(self, db: DatabaseAccess, resource: Resource):
        self.db = db
        self.resource = resource

    def _get_or_404(self, repo: Repository, record_id: str, for_update: bool = False) -> dict:
        record = repo.get(valid_id(record_id, self.resource.label), for_update=for_update)
        if record is None:
            raise NotFound(f"No {self.resource.label} with id {record_id}")
        return record

    def _publish(self, uow, change: str, payload: dict) -> None:
        if self.resource.publish_events:
            uow.add_event(f"{self.resource.event_prefix}{change}", payload)

    def _raise_for(self, errors: list[dict]) -> None:
        if errors:
            raise ValidationFailed(f"Invalid {self.resource.label}", errors)

    def create(self, data: dict, owner_id: str | None) -> dict:
        values = self.resource.normalise(load(_schema(self.resource.schema), data))
        with self.db.unit_of_work() as uow:
            repo = self.resource.repository(uow.connection)
            self._raise_for(self.resource.check(repo, values))
            record = json_safe(repo.add(values, owner_id))
            self._publish(uow, "Created", self.resource.event_payload(record))
            return record

    def create_many(self, items: list[dict], owner_id: str | None) -> list[dict]:
        """Create several records in one transaction (imports, bulk loads): all or none.
        Every bad field of every item is reported, as `<index>.<field>`."""
        loaded, errors = [], []
        for index, data in enumerate(items):
            try:
                loaded.append(self.resource.normalise(load(_schema(self.resource.schema), data)))
            except ValidationFailed as failure:
                errors += [error | {"field": f"{index}.{error['field']}"} for error in failure.errors]
        self._raise_for(errors)
        with self.db.unit_of_work() as uow:
            repo = self.resource.repository(uow.connection)
            self._raise_for([error | {"field": f"{index}.{error['field']}"}
                             for index, values in enumerate(loaded)
                             for error in self.resource.check(repo, values)])
            records = json_safe(repo.add_many(loaded, owner_id))
            if self.resource.publish_events:
                uow.add_events(f"{self.resource.event_prefix}Created",
                               [self.resource.event_payload(record) for record in records])
            return records

    def get(self, record_id: str) -> dict:
        with self.db.reading() as connection:
            return json_safe(self._get_or_404(self.resource.repository(connection), record_id))

    def update(self, record_id: str, changes: dict, expected_version: int | None) -> dict:
        values = self.resource.normalise(load(_schema(self.resource.schema), changes, partial=True))
        with self.db.unit_of_work() as uow:
            repo = self.resource.repository(uow.connection)
            current = self._get_or_404(repo, record_id, for_update=True)
            check_version(current["version"], expected_version)
            for key, value in values.items():  # PATCH merges nested objects (an address)
                if isinstance(value, dict) and isinstance(current.get(key), dict):
                    values[key] = {**current[key], **value}
            diff = changed_fields(current, values)
            if not diff:
                return json_safe(current)
            self._raise_for(self.resource.check(repo, current | diff))
            record = json_safe(repo.change(current, diff))
            self._publish(uow, "Updated", self.resource.event_payload(record) | {"changed": sorted(diff)})
            return record

    def assign(self, record_id: str, owner_id: str, expected_version: int | None = None) -> dict:
        """Give the record to another owner (a user or a team, checked by the gateway, which
        owns them); published as <X>Updated with `changed: ["owner_id"]`."""
        owner_id = valid_id(owner_id, "owner")
        with self.db.unit_of_work() as uow:
            repo = self.resource.repository(uow.connection)
            current = self._get_or_404(repo, record_id, for_update=True)
            check_version(current["version"], expected_version)
            if current["owner_id"] == owner_id:
                return json_safe(current)
            record = json_safe(repo.change(current, {"owner_id": owner_id}))
            self._publish(uow, "Updated", self.resource.event_payload(record) | {"changed": ["owner_id"]})
            return record

    def delete(self, record_id: str) -> None:
        with self.db.unit_of_work() as uow:
            repo = self.resource.repository(uow.connection)
            current = self._get_or_404(repo, record_id, for_update=True)
            blocker = self.resource.delete_blocker(repo, current)
            if blocker:
                raise Conflict(blocker)
            repo.remove(current["id"])
            self._publish(uow, "Deleted", {f"{self.resource.label}_id": current["id"]})

    def list(self, filters: dict | None, q: str | None, sort: str | None, limit: int | None,
             cursor: str | None, reach: dict | None = None) -> dict:
        """A page of records; `reach` (from the gateway) limits it to those the caller may see."""
        repo_cls = self.resource.repository
        filters = {key: value for key, value in (filters or {}).items() if value is not None}
        errors = [{"field": key, "message": "not a filter of this list"}
                  for key in filters if key not in repo_cls.filter_columns]
        for key, value in filters.items():
            column = repo_cls.table.c.get(repo_cls.filter_columns.get(key, ""))
            if column is not None and isinstance(column.type, UUID):
                try:
                    filters[key] = str(uuid.UUID(str(value)))
                except ValueError:
                    errors.append({"field": key, "message": "must be a UUID"})
        self._raise_for(errors)
        order = pagination.parse_sort(sort, repo_cls.sort_fields, repo_cls.default_sort)
        limit = pagination.check_limit(limit)
        visible = Reach.from_rpc(reach)
        with self.db.reading() as connection:
            items, next_cursor = repo_cls(connection, visible).list(filters, q, order, limit, cursor)
        return {"items": json_safe(items), "next_cursor": next_cursor}
