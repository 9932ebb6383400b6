"""Reads across many activities: an owner's "my work" lists, iCalendar feeds of owners and
resources, and the activities section of the customer 360 view."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, and_, bindparam, func, literal, or_, select, tuple_

from crmkit import pagination
from crmkit.errors import ValidationFailed
from crmkit.records import json_safe, load, valid_id
from activities import read_model
from activities.db import DUE, ActivityRepository, Labels, activities
from activities.domain import kinds, lifecycle
from activities.domain.calendar_feed import feed
from activities.domain.recurrence import RecurrenceError, Series, zone
from activities.domain.worklist import bounds, day_bounds
from activities.schemas import MyWorkInput

# Activities without any due moment sort last in "my work", after every dated one.
NEVER = datetime(9999, 12, 31, tzinfo=timezone.utc)
DUE_KEY = func.coalesce(DUE, literal(NEVER, DateTime(timezone=True))).label("due_key")
DUE_SORT = pagination.Sort("due", False)
FEED_HISTORY = timedelta(days=365)  # how far back a calendar feed reaches
FEED_LIMIT = 5000
RECENT = 10


def _zone_or_422(name: str):
    try:
        return zone(name)
    except RecurrenceError:
        raise ValidationFailed("Invalid time zone", [{"field": "timezone", "message": f"unknown time zone {name!r}"}]) from None


def my_work(connection, query: dict, limit: int | None, cursor: str | None, now: datetime | None = None) -> dict:
    """An owner's open activities, earliest due first: all of them, the overdue ones, or
    those due today in the owner's time zone (series count on the days they occur)."""
    values = load(MyWorkInput(), query)
    limit = pagination.check_limit(limit)
    now = now or datetime.now(timezone.utc)
    tz = _zone_or_422(values["timezone"])
    view = values["view"]
    window = bounds(view, now, tz)
    recurring = activities.c.type == kinds.RECURRING_APPOINTMENT
    statement = select(activities, DUE_KEY).where(activities.c.owner_id == values["owner_id"],
                                                  activities.c.status == lifecycle.OPEN)
    if view != "open":
        # A series is due on the days it occurs (below), not at the end of its first one.
        statement = statement.where(~recurring)
    if window.after is not None:
        statement = statement.where(DUE >= window.after)
    if window.before is not None:
        statement = statement.where(DUE < window.before)
    if cursor:
        key, row_id = pagination.decode_cursor(cursor, DUE_SORT, DUE_KEY)
        statement = statement.where(tuple_(DUE_KEY, activities.c.id) > tuple_(
            bindparam("k", key, type_=DateTime(timezone=True)), bindparam("i", row_id, type_=activities.c.id.type)))
    rows = connection.execute(statement.order_by(DUE_KEY, activities.c.id).limit(limit + 1)).mappings().all()
    repo = ActivityRepository(connection)
    items = [repo.to_record({k: v for k, v in row.items() if k != "due_key"}) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = pagination.encode_cursor(DUE_SORT, last["due_key"], last["id"])
    if view == "due_today" and cursor is None:
        items = _series_today(connection, values["owner_id"], now, tz) + items
    return {"items": json_safe(Labels(connection).attach(items)), "next_cursor": next_cursor}


def _series_today(connection, owner_id, now: datetime, tz) -> list[dict]:
    start, end = day_bounds(now, tz)
    rows = connection.execute(select(activities).where(
        activities.c.owner_id == owner_id, activities.c.status == lifecycle.OPEN,
        activities.c.type == kinds.RECURRING_APPOINTMENT, activities.c.scheduled_start < end)
        .order_by(activities.c.scheduled_start, activities.c.id)).mappings()
    repo = ActivityRepository(connection)
    return [record for record in map(repo.to_record, rows) if Series.of(record).expand(start, end)]


def calendar_activities(connection, owner_id: str | None, resource_id: str | None,
                        now: datetime | None = None) -> list[dict]:
    errors = []
    for name, value in (("owner_id", owner_id), ("resource_id", resource_id)):
        if value is not None:
            try:
                uuid.UUID(str(value))
            except ValueError:
                errors.append({"field": name, "message": "must be a UUID"})
    if (owner_id is None) == (resource_id is None):
        errors.append({"field": "owner_id", "message": "give owner_id or resource_id (one of them)"})
    if errors:
        raise ValidationFailed("Invalid calendar", errors)
    now = now or datetime.now(timezone.utc)
    whose = (activities.c.owner_id == str(owner_id) if owner_id else
             activities.c.parties.contains([{"type": "resource", "id": str(resource_id)}]))
    on_calendar = or_(activities.c.type.in_(kinds.CALENDAR_TYPES),
                      and_(activities.c.type.notin_(kinds.BUILT_IN_TYPES), activities.c.scheduled_start.isnot(None)))
    rows = connection.execute(select(activities).where(
        whose, on_calendar, activities.c.scheduled_start.isnot(None),
        or_(activities.c.recurrence.isnot(None),
            func.coalesce(activities.c.scheduled_end, activities.c.scheduled_start) >= now - FEED_HISTORY))
        .order_by(activities.c.scheduled_start, activities.c.id).limit(FEED_LIMIT)).mappings()
    repo = ActivityRepository(connection)
    return json_safe(Labels(connection).attach([repo.to_record(row) for row in rows]))


def calendar_feed(connection, owner_id: str | None, resource_id: str | None) -> str:
    items = calendar_activities(connection, owner_id, resource_id)
    name = f"CRM activities of {'owner' if owner_id else 'resource'} {owner_id or resource_id}"
    return feed(items, name).decode()


# The 360 view's reads of the activities regarding an account's records, built once (building
# them on every view cost more CPU than running them); the records as one list of pairs.
_REGARDING_ANY = tuple_(activities.c.regarding_type, activities.c.regarding_id).in_(bindparam("refs", expanding=True))
_COUNTS_REGARDING = (select(activities.c.type, activities.c.status, func.count(),
                            func.coalesce(func.sum(activities.c.actual_duration_minutes), 0))
                     .where(_REGARDING_ANY).group_by(activities.c.type, activities.c.status))
_RECENT_REGARDING = (select(activities).where(_REGARDING_ANY)
                     .order_by(activities.c.created_at.desc(), activities.c.id.desc()).limit(RECENT))


def customer_overview(connection, account_id: str) -> dict:
    """The customer 360 view's activities section: activities regarding the account or any
    record known to belong to it (its contacts, cases, opportunities, orders ...)."""
    account_id = read_model.surviving(connection, "account", valid_id(account_id, "account"))
    refs = {"refs": read_model.records_of_account(connection, account_id)}
    counts = connection.execute(_COUNTS_REGARDING, refs).all()
    by_type: dict[str, int] = {}
    by_status = {status: 0 for status in lifecycle.STATUSES}
    time_spent = 0
    for activity_type, status, count, minutes in counts:
        by_type[activity_type] = by_type.get(activity_type, 0) + count
        by_status[status] = by_status.get(status, 0) + count
        if status == lifecycle.COMPLETED:
            time_spent += minutes
    rows = connection.execute(_RECENT_REGARDING, refs).mappings()
    repo = ActivityRepository(connection)
    recent = Labels(connection).attach([repo.to_record(row) for row in rows])
    return json_safe({"account_id": account_id, "counts_by_type": dict(sorted(by_type.items())),
                      "counts_by_status": by_status, "time_spent_minutes": time_spent, "recent": recent})
