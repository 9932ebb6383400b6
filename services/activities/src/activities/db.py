"""Activities tables and the repositories that read and write them (SQLAlchemy Core).

`known_records` is the read model of other services' records that activities regard or
involve: display labels (kept current from their events), the customer account each one
belongs to (for the customer 360 view), owners (account owners get tasks) and merges."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (Boolean, and_, Column, DateTime, Integer, MetaData, String, Table, Text, bindparam, func,
                        select)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert as pg_insert

from crmkit.records import json_safe
from crmkit.repository import Repository, audit_columns
from activities.domain import kinds

metadata = MetaData()

activities = Table(
    "activities", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("type", String(50), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("description", Text),
    Column("regarding_type", String(50)),
    Column("regarding_id", UUID(as_uuid=False)),
    Column("parties", JSONB, nullable=False),
    Column("scheduled_start", DateTime(timezone=True)),
    Column("scheduled_end", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Column("duration_minutes", Integer),
    Column("actual_duration_minutes", Integer),
    Column("priority", String(10), nullable=False),
    Column("direction", String(10)),
    Column("channel", String(20)),
    Column("status", String(20), nullable=False),
    Column("status_reason", Text),
    Column("completed_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("recurrence", JSONB),
    Column("exceptions", JSONB, nullable=False),
    Column("custom_fields", JSONB),
    # What an automation created it from ("booking:<id>"): unique, so the same fact
    # arriving twice (even as two different events) makes one activity.
    Column("origin_key", String(200), unique=True),
    Column("source", JSONB),
    *audit_columns(),
)

activity_types = Table(
    "activity_types", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("description", Text),
    Column("fields", JSONB, nullable=False),
    *audit_columns(),
)

known_records = Table(
    "known_records", metadata,
    Column("record_type", String(50), primary_key=True),
    Column("record_id", UUID(as_uuid=False), primary_key=True),
    Column("label", String(300)),
    Column("account_id", UUID(as_uuid=False)),
    Column("owner_id", UUID(as_uuid=False)),
    # (source_version, source_at) orders updates: forward only, so a late or redelivered
    # older event never overwrites newer facts. Events without versions count as 0.
    Column("source_version", Integer, nullable=False),
    Column("source_at", DateTime(timezone=True), nullable=False),
    Column("merged_into", UUID(as_uuid=False)),
    Column("deleted", Boolean, nullable=False),
)

# Due moment of an activity: its due date, else the end (or start) of its schedule. The
# same expression is indexed (owner_id, status, due) for the "my work" lists.
DUE = func.coalesce(activities.c.due_at, activities.c.scheduled_end, activities.c.scheduled_start)


# Rows per multi-row INSERT: 27 columns each stays well under PostgreSQL's 65,535 parameters.
ROWS_PER_INSERT = 500


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ref(ref: dict | None) -> dict | None:
    return {"type": ref["type"], "id": str(ref["id"])} if ref else None


# Built once: every timeline page and 360 view reads labels.
_LABELS = (select(known_records.c.record_type, known_records.c.record_id, known_records.c.label)
           .where(known_records.c.record_type.in_(bindparam("types", expanding=True)),
                  known_records.c.record_id.in_(bindparam("ids", expanding=True))))


class Labels:
    """Attaches display labels of regarding records and parties to activities, one query
    per batch of activities."""

    def __init__(self, connection):
        self.connection = connection

    def lookup(self, refs: set[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        if not refs:
            return {}
        # Two arrays rather than a list of (type, id) pairs: one short plan on the primary
        # key whatever the page size; the few pairs of other types it also returns are dropped.
        rows = self.connection.execute(_LABELS, {"types": sorted({t for t, _ in refs}),
                                                 "ids": sorted({i for _, i in refs})})
        return {(row.record_type, row.record_id): row.label for row in rows
                if (row.record_type, row.record_id) in refs}

    def attach(self, records: list[dict]) -> list[dict]:
        refs = set()
        for record in records:
            for ref in [record.get("regarding"), *record.get("parties", [])]:
                if ref:
                    refs.add((ref["type"], ref["id"]))
        labels = self.lookup(refs)
        for record in records:
            for ref in [record.get("regarding"), *record.get("parties", [])]:
                if ref:
                    ref["label"] = labels.get((ref["type"], ref["id"]))
        return records


class ActivityRepository(Repository):
    table = activities
    text_search_columns = ("subject", "description")
    filter_columns = {name: name for name in ("regarding_type", "regarding_id", "type", "status",
                                              "owner_id", "priority", "direction", "channel")}
    sort_fields = ("created_at", "updated_at")

    def to_row(self, record: dict) -> dict:
        row = {key: value for key, value in record.items() if key not in ("regarding", "label")}
        if "regarding" in record:
            regarding = _ref(record["regarding"])
            row["regarding_type"] = regarding and regarding["type"]
            row["regarding_id"] = regarding and regarding["id"]
        if "parties" in record:
            row["parties"] = [{"role": p["role"], **_ref(p)} for p in record["parties"] or []]
        for key in ("recurrence", "exceptions", "custom_fields", "source"):
            if key in row:
                row[key] = json_safe(row[key])
        return row

    def to_record(self, row) -> dict:
        record = {key: value for key, value in dict(row).items()
                  if key not in ("regarding_type", "regarding_id", "origin_key")}
        record["regarding"] = ({"type": row["regarding_type"], "id": row["regarding_id"]}
                               if row["regarding_type"] else None)
        record["parties"] = [dict(p) for p in row["parties"] or []]
        return record

    def _new_row(self, values: dict, owner_id: str | None, origin_key: str | None, now: datetime) -> dict:
        values = kinds.defaults(values) | values
        owner_id = values.pop("owner_id", None) or owner_id
        blank = {name: None for name in self.table.c.keys()}
        return blank | {"parties": [], "exceptions": [], "status": "open"} | self.to_row(values) | {
            "id": str(uuid.uuid4()), "owner_id": owner_id, "origin_key": origin_key,
            "created_at": now, "updated_at": now, "version": 1}

    def add_many(self, items: list[tuple[dict, str | None, str | None]]) -> list[dict]:
        """Insert new open activities from (values, owner_id, origin_key) in multi-row
        statements; one whose origin_key exists already is skipped. Returns those created,
        without labels."""
        now, created = _now(), []
        rows = [self._new_row(values, owner_id, origin_key, now) for values, owner_id, origin_key in items]
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start:start + ROWS_PER_INSERT]
            inserted = {row.id for row in self.connection.execute(
                pg_insert(self.table).values(chunk).on_conflict_do_nothing(index_elements=["origin_key"])
                .returning(self.table.c.id))}
            created += [self.to_record(row) for row in chunk if row["id"] in inserted]
        return created

    def add(self, values: dict, owner_id: str | None, origin_key: str | None = None) -> dict | None:
        """Insert a new open activity; None if one with the same origin_key exists."""
        created = self.add_many([(values, owner_id, origin_key)])
        return Labels(self.connection).attach(created)[0] if created else None

    def get(self, record_id: str, for_update: bool = False) -> dict | None:
        record = super().get(record_id, for_update)
        return Labels(self.connection).attach([record])[0] if record else None

    def by_origin(self, origin_key: str) -> dict | None:
        row = self.connection.execute(select(activities).where(activities.c.origin_key == origin_key)
                                      .with_for_update()).mappings().first()
        return self.to_record(row) if row else None

    def list(self, filters, q, sort, limit, cursor):
        items, next_cursor = super().list(filters, q, sort, limit, cursor)
        return Labels(self.connection).attach(items), next_cursor

    def open_regarding(self, record_type: str, record_id: str) -> list[dict]:
        rows = self.connection.execute(
            select(activities).where(activities.c.regarding_type == record_type,
                                     activities.c.regarding_id == record_id,
                                     activities.c.status == "open")
            .order_by(activities.c.created_at, activities.c.id).with_for_update()).mappings()
        return [self.to_record(row) for row in rows]

    def involving(self, record_type: str, record_id: str) -> list[dict]:
        """Activities that regard the record or list it as a party (for merges), locked."""
        party = [{"type": record_type, "id": record_id}]
        rows = self.connection.execute(
            select(activities).where(
                and_(activities.c.regarding_type == record_type, activities.c.regarding_id == record_id)
                | activities.c.parties.contains(party))
            .order_by(activities.c.id).with_for_update()).mappings()
        return [self.to_record(row) for row in rows]


class ActivityTypeRepository(Repository):
    table = activity_types
    text_search_columns = ("name", "label")
    filter_columns = {"name": "name", "owner_id": "owner_id"}
    sort_fields = ("name", "created_at", "updated_at")
    default_sort = "name"

    def by_name(self, name: str) -> dict | None:
        row = self.connection.execute(select(activity_types).where(activity_types.c.name == name)).mappings().first()
        return self.to_record(row) if row else None

    def name_taken(self, name: str, except_id: str | None) -> bool:
        query = select(activity_types.c.id).where(activity_types.c.name == name)
        if except_id:
            query = query.where(activity_types.c.id != except_id)
        return self.connection.execute(query).first() is not None

    def in_use(self, name: str) -> int:
        return ActivityRepository(self.connection).count_where("type", name)


