"""Scheduler tables and the repositories that read and write them (SQLAlchemy Core)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (ARRAY, Boolean, Column, DateTime, Float, ForeignKey, Integer, MetaData, String, Table, any_,
                        Text, and_, bindparam, func, select, text)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, UUID

from crmkit.records import json_safe
from crmkit.repository import Repository, audit_columns

metadata = MetaData()

resources = Table(
    "resources", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("characteristics", JSONB, nullable=False),
    Column("features", JSONB, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("working_hours", JSONB, nullable=False),
    Column("time_off", JSONB, nullable=False),
    Column("user_id", UUID(as_uuid=False)),
    *audit_columns(),
)

resource_groups = Table(
    "resource_groups", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("member_ids", JSONB, nullable=False),
    *audit_columns(),
)

services = Table(
    "services", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("duration_minutes", Integer, nullable=False),
    Column("requirements", JSONB, nullable=False),
    Column("default_attendees", Integer, nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    *audit_columns(),
)

bookings = Table(
    "bookings", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("service_id", UUID(as_uuid=False), ForeignKey("services.id"), nullable=False),
    Column("request_id", UUID(as_uuid=False)),
    Column("resource_ids", ARRAY(UUID(as_uuid=False)), nullable=False),
    Column("start", DateTime(timezone=True), nullable=False),
    Column("end", DateTime(timezone=True), nullable=False),
    Column("attendees", Integer, nullable=False),
    Column("regarding_type", String(50)),
    Column("regarding_id", UUID(as_uuid=False)),
    Column("account_id", UUID(as_uuid=False)),
    Column("subject", String(300)),
    Column("status", String(20), nullable=False),
    Column("cancel_reason", String(500)),
    Column("cancelled_at", DateTime(timezone=True)),
    *audit_columns(),
)

# One row per booked resource: an exclusion constraint on (resource_id, during) among active
# rows makes a double booking impossible even between concurrent transactions.
booking_slots = Table(
    "booking_slots", metadata,
    Column("booking_id", UUID(as_uuid=False), ForeignKey("bookings.id"), primary_key=True),
    Column("resource_id", UUID(as_uuid=False), primary_key=True),
    Column("during", TSTZRANGE, nullable=False),
    Column("active", Boolean, nullable=False),
)

scheduling_requests = Table(
    "scheduling_requests", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("service_id", UUID(as_uuid=False)),
    Column("attendees", Integer, nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("window_end", DateTime(timezone=True), nullable=False),
    Column("not_before_request_id", UUID(as_uuid=False)),
    Column("course", String(200)),
    Column("account_id", UUID(as_uuid=False)),
    Column("regarding_type", String(50)),
    Column("regarding_id", UUID(as_uuid=False)),
    Column("subject", String(300)),
    Column("source", String(50), nullable=False),  # quote_accepted, api
    Column("source_ref", String(200), nullable=False),  # unique per source: event, line, unit
    Column("status", String(20), nullable=False),  # open, booked, unassigned
    Column("reasons", JSONB, nullable=False),
    Column("booking_id", UUID(as_uuid=False)),
    *audit_columns(),
)

solve_jobs = Table(
    "solve_jobs", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("status", String(20), nullable=False),  # queued, running, succeeded, failed
    Column("spec", JSONB, nullable=False),
    Column("progress", JSONB, nullable=False),
    Column("result", JSONB),
    Column("error", Text),
    Column("time_limit_s", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)


class ResourceRepository(Repository):
    table = resources
    text_search_columns = ("name",)
    filter_columns = {"kind": "kind", "name": "name", "user_id": "user_id", "owner_id": "owner_id",
                      "timezone": "timezone"}
    sort_fields = ("name", "created_at", "updated_at")

    def to_row(self, record: dict) -> dict:
        # JSONB holds JSON: time off spans become ISO strings (UTC).
        return json_safe(record) if "time_off" in record else dict(record)

    def all(self, ids: list[str] | None = None) -> list[dict]:
        query = select(resources)
        if ids is not None:
            query = query.where(resources.c.id.in_(ids))
        return [dict(row) for row in self.connection.execute(query.order_by(resources.c.name, resources.c.id)).mappings()]

    def missing(self, ids) -> list[str]:
        wanted = {str(i) for i in ids}
        found = set(self.connection.execute(select(resources.c.id).where(resources.c.id.in_(wanted))).scalars())
        return sorted(wanted - found)


class ResourceGroupRepository(Repository):
    table = resource_groups
    text_search_columns = ("name",)
    filter_columns = {"name": "name", "owner_id": "owner_id"}
    sort_fields = ("name", "created_at", "updated_at")

    def all(self) -> list[dict]:
        return [dict(row) for row in self.connection.execute(select(resource_groups)).mappings()]

    def containing(self, resource_id: str) -> list[str]:
        query = select(resource_groups.c.name).where(resource_groups.c.member_ids.contains([resource_id]))
        return list(self.connection.execute(query).scalars())


class ServiceRepository(Repository):
    table = services
    text_search_columns = ("name",)
    filter_columns = {"name": "name", "owner_id": "owner_id"}
    sort_fields = ("name", "created_at", "updated_at")

    def using_group(self, group_id: str) -> list[str]:
        query = select(services.c.name).where(services.c.requirements.contains([{"group_id": group_id}]))
        return list(self.connection.execute(query).scalars())


class BookingRepository(Repository):
    table = bookings
    text_search_columns = ("subject",)
    filter_columns = {name: name for name in ("service_id", "request_id", "status", "account_id",
                                              "regarding_type", "regarding_id", "owner_id")}
    sort_fields = ("start", "created_at", "updated_at")
    default_sort = "start"

    def to_row(self, record: dict) -> dict:
        row = {key: value for key, value in record.items() if key != "regarding"}
        if "regarding" in record:
            regarding = record["regarding"] or {}
            row["regarding_type"], row["regarding_id"] = regarding.get("type"), regarding.get("id")
        return row

    def to_record(self, row) -> dict:
        record = {key: value for key, value in dict(row).items() if not key.startswith("regarding_")}
        record["regarding"] = ({"type": row["regarding_type"], "id": row["regarding_id"]}
                               if row["regarding_type"] else None)
        return record

    def add_slots(self, booking: dict) -> None:
        self.connection.execute(booking_slots.insert(), [
            {"booking_id": booking["id"], "resource_id": r, "active": True,
             "during": text_range(booking["start"], booking["end"])} for r in booking["resource_ids"]])

    def release_slots(self, booking_id: str) -> None:
        self.connection.execute(booking_slots.update().where(booking_slots.c.booking_id == booking_id)
                                .values(active=False))

    def busy(self, resource_ids, start: datetime, end: datetime) -> list[dict]:
        """Active booked time of these resources overlapping [start, end)."""
        query = (select(booking_slots.c.resource_id, bookings.c.start, bookings.c.end, bookings.c.id)
                 .join(bookings, bookings.c.id == booking_slots.c.booking_id)
                 .where(booking_slots.c.active, bookings.c.start < end, bookings.c.end > start))
        if resource_ids is not None:
            query = query.where(booking_slots.c.resource_id.in_(list(resource_ids)))
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def upcoming_for_account(self, account_id: str, now: datetime, limit: int) -> tuple[list[dict], int]:
        values = {"account_id": account_id, "now": now, "limit": limit}
        rows = self.connection.execute(_UPCOMING_OF_ACCOUNT, values).mappings()
        total = self.connection.execute(_UPCOMING_COUNT_OF_ACCOUNT, values).scalar_one()
        return [self.to_record(row) for row in rows], total

    def future_count_for_resource(self, resource_id: str, now: datetime) -> int:
        return self.connection.execute(
            select(func.count()).select_from(bookings).where(
                any_(bookings.c.resource_ids) == resource_id, bookings.c.status == "booked",
                bookings.c.end > now)).scalar_one()


# The customer 360 view's reads, built once (building them on every view cost more CPU than
# running them).
_UPCOMING = and_(bookings.c.account_id == bindparam("account_id"), bookings.c.status == "booked",
                 bookings.c.end > bindparam("now"))
_UPCOMING_OF_ACCOUNT = (select(bookings).where(_UPCOMING).order_by(bookings.c.start, bookings.c.id)
                        .limit(bindparam("limit")))
_UPCOMING_COUNT_OF_ACCOUNT = select(func.count()).select_from(bookings).where(_UPCOMING)


def text_range(start: datetime, end: datetime):
    from psycopg.types.range import Range

    return Range(start, end, "[)")


class RequestRepository(Repository):
    table = scheduling_requests
    filter_columns = {name: name for name in ("service_id", "status", "account_id", "course", "source",
                                              "regarding_id")}
    sort_fields = ("created_at", "updated_at", "window_start")

    def existing_refs(self, refs: list[str]) -> set[str]:
        return set(self.connection.execute(select(scheduling_requests.c.source_ref)
                                           .where(scheduling_requests.c.source_ref.in_(refs))).scalars())


def lock_calendars(connection) -> None:
    """Serialise the writers that check and book resource time (bookings, commits of a
    solve, the QuoteAccepted consumer); readers never wait."""
    connection.execute(text("SELECT pg_advisory_xact_lock(7007)"))
