"""Per-owner "my work" views: which open activities are overdue or due today.

An activity falls due at its due date, else at the end (or start) of its schedule. "Today"
is the owner's day, in the time zone they ask for: a 23:30 task in Sydney is not due on
the same day as in Paris."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

VIEWS = ("open", "overdue", "due_today")


@dataclass(frozen=True)
class Bounds:
    """The due-moment range [after, before) a view selects; None means unbounded."""
    after: datetime | None
    before: datetime | None


def day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    today = now.astimezone(tz).date()
    start = datetime.combine(today, time(0), tz)
    end = datetime.combine(today + timedelta(days=1), time(0), tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def bounds(view: str, now: datetime, tz: ZoneInfo) -> Bounds:
    if view == "overdue":
        return Bounds(None, now)
    if view == "due_today":
        return Bounds(*day_bounds(now, tz))
    return Bounds(None, None)
