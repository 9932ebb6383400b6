"""Recurring appointments over RPC: validation, occurrences, exceptions and the iCalendar feed."""
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from crmkit.errors import Conflict, ValidationFailed
from helpers import bad_fields, outbox

PARIS = ZoneInfo("Europe/Paris")


def weekly(owner_id=None, **recurrence):
    return {"type": "recurring_appointment", "subject": "Weekly account review", "owner_id": owner_id,
            "scheduled_start": "2026-10-05T09:00:00+02:00", "scheduled_end": "2026-10-05T10:00:00+02:00",
            "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Paris"} | recurrence}


def local_starts(occurrences):
    return [datetime.fromisoformat(o["start"]).astimezone(PARIS) for o in occurrences]


def test_occurrences_keep_0900_paris_across_the_october_change(activities):
    series = activities.rpc.create_activity(weekly(count=6))
    assert series["recurrence"] == {"rrule": "FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Paris", "count": 6}
    occurrences = activities.rpc.list_occurrences(series["id"], "2026-10-01T00:00:00Z", "2026-12-31T00:00:00Z")
    assert [(s.day, s.month, s.hour) for s in local_starts(occurrences)] == \
        [(5, 10, 9), (12, 10, 9), (19, 10, 9), (26, 10, 9), (2, 11, 9), (9, 11, 9)]
    assert [o["start"][11:16] for o in occurrences] == ["07:00"] * 3 + ["08:00"] * 3


def test_an_invalid_series_names_its_fields(activities):
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity(weekly(count=3, until="2026-12-31"))
    assert bad_fields(raised) == {"recurrence.until"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity(weekly(rrule="FREQ=WEEKLY;BYDAY=TU"))
    assert bad_fields(raised) == {"scheduled_start"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity(weekly(rrule="FREQ=SOMETIMES", count=0, timezone="Nowhere/City"))
    assert bad_fields(raised) == {"recurrence.rrule", "recurrence.count", "recurrence.timezone"}


def test_an_exception_moves_one_occurrence_and_another_cancels_one(activities):
    series = activities.rpc.create_activity(weekly(until="2026-11-30"))
    moved = activities.rpc.add_activity_exception(series["id"], {
        "original_start": "2026-10-12T09:00:00+02:00",
        "scheduled_start": "2026-10-13T14:00:00+02:00", "scheduled_end": "2026-10-13T15:30:00+02:00"})
    assert moved["version"] == 2 and len(moved["exceptions"]) == 1
    activities.rpc.add_activity_exception(series["id"], {"original_start": "2026-10-19T07:00:00Z", "cancelled": True})
    occurrences = activities.rpc.list_occurrences(series["id"], "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
    assert [(s.day, s.hour, o["moved"]) for s, o in zip(local_starts(occurrences), occurrences)] == \
        [(5, 9, False), (13, 14, True), (26, 9, False)]
    assert occurrences[1]["original_start"] == "2026-10-12T07:00:00Z"
    assert [e["payload"]["changed"] for e in outbox(activities, "ActivityUpdated")] == [["exceptions"], ["exceptions"]]

    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.add_activity_exception(series["id"], {"original_start": "2026-10-13T09:00:00+02:00"})
    assert bad_fields(raised) == {"original_start", "scheduled_start", "scheduled_end"}
    one_off = activities.rpc.create_activity({"type": "task", "subject": "Not a series"})
    with pytest.raises(Conflict):
        activities.rpc.add_activity_exception(one_off["id"], {"original_start": "2026-10-12T07:00:00Z", "cancelled": True})


def test_occurrence_windows_are_checked(activities):
    series = activities.rpc.create_activity(weekly())
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.list_occurrences(series["id"], "2026-10-01T00:00:00Z", "2028-10-01T00:00:00Z")
    assert bad_fields(raised) == {"end"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.list_occurrences(series["id"], "yesterday", "2026-10-01T00:00:00")
    assert bad_fields(raised) == {"start", "end"}


def test_the_owners_feed_parses_back_with_each_series_rule(activities):
    owner = str(uuid.uuid4())
    weekly_review = activities.rpc.create_activity(weekly(owner, count=10))
    activities.rpc.add_activity_exception(weekly_review["id"], {"original_start": "2026-10-19T07:00:00Z", "cancelled": True})
    daily = activities.rpc.create_activity(weekly(owner, rrule="FREQ=DAILY;INTERVAL=2", until="2026-10-31") |
                                           {"subject": "Stand-up"})
    demo = activities.rpc.create_activity({"type": "appointment", "subject": "Demo", "owner_id": owner,
                                           "scheduled_start": "2026-10-07T13:00:00Z", "scheduled_end": "2026-10-07T14:00:00Z"})
    activities.rpc.create_activity({"type": "task", "subject": "Not on a calendar", "owner_id": owner,
                                    "due_at": "2026-10-07T13:00:00Z"})
    activities.rpc.create_activity(weekly(str(uuid.uuid4())) | {"subject": "Someone else's"})

    calendar = Calendar.from_ical(activities.rpc.calendar_feed(owner_id=owner))
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Weekly account review", "Stand-up", "Demo"}
    assert events["Weekly account review"]["RRULE"] == {"FREQ": ["WEEKLY"], "BYDAY": ["MO"], "COUNT": [10]}
    assert events["Weekly account review"]["EXDATE"].dts[0].dt == datetime(2026, 10, 19, 9, 0, tzinfo=PARIS)
    assert events["Stand-up"]["RRULE"]["FREQ"] == ["DAILY"] and events["Stand-up"]["RRULE"]["INTERVAL"] == [2]
    assert events["Stand-up"]["RRULE"]["UNTIL"][0] == datetime(2026, 10, 31, 22, 59, 59, tzinfo=ZoneInfo("UTC"))
    assert "RRULE" not in events["Demo"]
    assert str(events["Demo"]["UID"]) == f"{demo['id']}@crm.local"
    assert str(events["Stand-up"].DTSTART.tzinfo) == "Europe/Paris" and daily["id"] in str(events["Stand-up"]["UID"])


def test_a_feed_needs_exactly_one_owner_or_resource(activities):
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.calendar_feed()
    assert bad_fields(raised) == {"owner_id"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.calendar_feed(owner_id="me")
    assert bad_fields(raised) == {"owner_id"}
