"""Per-owner "my work" lists: open, overdue and due today (in the owner's time zone)."""
import uuid
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from crmkit.errors import ValidationFailed
from helpers import bad_fields


def midday_zone() -> tuple[str, ZoneInfo]:
    """A fixed-offset zone where it is now 12:xx, so "today" cannot end mid-test."""
    hour = datetime.now(timezone.utc).hour
    offset = min(range(-12, 15), key=lambda n: abs((hour + n) % 24 - 12))
    name = "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    return name, ZoneInfo(name)


def subjects(page):
    return [a["subject"] for a in page["items"]]


def test_my_work_lists_open_overdue_and_due_today_earliest_first(activities):
    owner, someone_else = str(uuid.uuid4()), str(uuid.uuid4())
    zone_name, zone = midday_zone()
    today = datetime.now(zone).date()
    at = lambda day_offset, hours: datetime.combine(today + timedelta(days=day_offset), time(hours), zone).isoformat()  # noqa: E731

    def task(subject, due_at, owner_id=owner):
        return activities.rpc.create_activity({"type": "task", "subject": subject, "due_at": due_at, "owner_id": owner_id})

    task("Yesterday", at(-1, 10))
    task("This morning", at(0, 1))
    task("Tonight", at(0, 23))
    task("Tomorrow", at(1, 10))
    task("Whenever", None)
    task("Not mine", at(-1, 10), someone_else)
    activities.rpc.complete_activity(task("Done yesterday", at(-1, 9))["id"])
    activities.rpc.create_activity({"type": "appointment", "subject": "Lunch meeting", "owner_id": owner,
                                    "scheduled_start": at(0, 12), "scheduled_end": at(0, 13)})
    activities.rpc.create_activity({"type": "recurring_appointment", "subject": "Daily stand-up", "owner_id": owner,
                                    "scheduled_start": at(-3, 9), "scheduled_end": at(-3, 10),
                                    "recurrence": {"rrule": "FREQ=DAILY", "timezone": zone_name}})
    activities.rpc.create_activity({"type": "recurring_appointment", "subject": "Weekly, not today", "owner_id": owner,
                                    "scheduled_start": at(-4, 9), "scheduled_end": at(-4, 10),
                                    "recurrence": {"rrule": "FREQ=WEEKLY", "timezone": zone_name}})

    def my(view, **kw):
        return activities.rpc.my_work(owner, view=view, timezone=zone_name, **kw)

    assert subjects(my("overdue")) == ["Yesterday", "This morning"]  # the lunch meeting ends at 13:00
    assert subjects(my("due_today")) == ["Daily stand-up", "This morning", "Lunch meeting", "Tonight"]
    everything = subjects(my("open"))
    assert everything[:5] == ["Weekly, not today", "Daily stand-up", "Yesterday", "This morning", "Lunch meeting"]
    assert everything[5:] == ["Tonight", "Tomorrow", "Whenever"]  # undated last

    seen, cursor = [], None
    while True:
        page = my("open", limit=3, cursor=cursor)
        seen += subjects(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == everything


def test_bad_my_work_parameters_are_validation_errors(activities):
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.my_work("me", view="someday")
    assert bad_fields(raised) == {"owner_id", "view"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.my_work(str(uuid.uuid4()), timezone="Atlantis/Capital")
    assert bad_fields(raised) == {"timezone"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.my_work(str(uuid.uuid4()), cursor="garbage")
    assert bad_fields(raised) == {"cursor"}
