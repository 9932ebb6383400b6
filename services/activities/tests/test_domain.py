"""Pure activity rules (no I/O): kinds, lifecycle, custom fields, "my work" days, the feed."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from crmkit.errors import Conflict
from activities.domain import kinds, lifecycle
from activities.domain.calendar_feed import feed
from activities.domain.custom_fields import definition_errors, value_errors
from activities.domain.worklist import bounds

UTC = timezone.utc


def fields_of(errors):
    return sorted(error["field"] for error in errors)


def test_calendar_kinds_need_a_start_and_an_end_in_order():
    assert fields_of(kinds.rule_errors({"type": "appointment"}, custom=False)) == ["scheduled_end", "scheduled_start"]
    backwards = {"type": "appointment", "scheduled_start": datetime(2026, 1, 2, tzinfo=UTC),
                 "scheduled_end": datetime(2026, 1, 1, tzinfo=UTC)}
    assert fields_of(kinds.rule_errors(backwards, custom=False)) == ["scheduled_end"]
    assert kinds.rule_errors({"type": "task"}, custom=False) == []


def test_only_recurring_appointments_recur_and_they_must():
    assert fields_of(kinds.rule_errors({"type": "task", "recurrence": {"rrule": "FREQ=DAILY"}}, custom=False)) == ["recurrence"]
    series = {"type": "recurring_appointment", "scheduled_start": datetime(2026, 1, 1, tzinfo=UTC),
              "scheduled_end": datetime(2026, 1, 1, 1, tzinfo=UTC)}
    assert fields_of(kinds.rule_errors(series, custom=False)) == ["recurrence"]


def test_fields_that_belong_to_other_kinds_are_refused():
    errors = kinds.rule_errors({"type": "task", "direction": "incoming", "channel": "email",
                                "custom_fields": {"x": 1}}, custom=False)
    assert fields_of(errors) == ["channel", "custom_fields", "direction"]


def test_defaults_give_communications_a_direction_and_schedules_a_duration():
    start, end = datetime(2026, 1, 1, 9, tzinfo=UTC), datetime(2026, 1, 1, 10, 30, tzinfo=UTC)
    assert kinds.defaults({"type": "phone_call"}) == {"priority": "normal", "direction": "outgoing"}
    assert kinds.defaults({"type": "appointment", "scheduled_start": start, "scheduled_end": end}) == \
        {"priority": "normal", "duration_minutes": 90}


def test_only_open_activities_complete_or_cancel():
    assert lifecycle.next_status("open", "complete") == "completed"
    assert lifecycle.next_status("open", "cancel") == "cancelled"
    for closed in ("completed", "cancelled"):
        for action in ("complete", "cancel"):
            with pytest.raises(Conflict):
                lifecycle.next_status(closed, action)
        with pytest.raises(Conflict):
            lifecycle.ensure_editable(closed)


def test_time_spent_defaults_to_what_was_recorded_then_planned():
    assert lifecycle.actual_minutes(20, {"duration_minutes": 30}) == 20
    assert lifecycle.actual_minutes(None, {"actual_duration_minutes": 25, "duration_minutes": 30}) == 25
    assert lifecycle.actual_minutes(None, {"duration_minutes": 30}) == 30
    assert lifecycle.actual_minutes(None, {}) is None


SITE_VISIT = [{"name": "mileage_km", "type": "integer", "required": True},
              {"name": "cost", "type": "decimal"},
              {"name": "visited_on", "type": "date"},
              {"name": "outcome", "type": "choice", "choices": ["sold", "lost"]},
              {"name": "notes", "type": "text"}]


def test_custom_values_are_checked_against_their_definitions():
    assert value_errors(SITE_VISIT, {"mileage_km": 12, "cost": "12.50", "visited_on": "2026-03-01",
                                     "outcome": "sold"}) == []
    errors = value_errors(SITE_VISIT, {"mileage_km": "twelve", "cost": 12.5, "visited_on": "01/03/2026",
                                       "outcome": "maybe", "colour": "red"})
    assert fields_of(errors) == ["custom_fields.colour", "custom_fields.cost", "custom_fields.mileage_km",
                                 "custom_fields.outcome", "custom_fields.visited_on"]
    assert value_errors(SITE_VISIT, {}) == [{"field": "custom_fields.mileage_km", "message": "required by this activity type"}]


def test_field_definitions_must_be_unique_and_choices_belong_to_choice_fields():
    errors = definition_errors([{"name": "a", "type": "choice"}, {"name": "a", "type": "string", "choices": ["x"]}])
    assert fields_of(errors) == ["fields.0.choices", "fields.1.choices", "fields.1.name"]


def test_due_today_is_the_owners_day_in_their_time_zone():
    now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # already 11 March in Sydney
    sydney = bounds("due_today", now, ZoneInfo("Australia/Sydney"))
    assert (sydney.after, sydney.before) == (datetime(2026, 3, 10, 13, 0, tzinfo=UTC), datetime(2026, 3, 11, 13, 0, tzinfo=UTC))
    assert bounds("overdue", now, UTC).before == now and bounds("overdue", now, UTC).after is None
    assert bounds("open", now, UTC) == bounds("open", now, ZoneInfo("Europe/Paris"))


def _appointment(**fields):
    return {"id": "0b1c2d3e-0000-4000-8000-000000000001", "type": "recurring_appointment", "subject": "Weekly sync",
            "status": "open", "version": 3, "updated_at": "2026-09-01T10:00:00Z", "regarding": None,
            "scheduled_start": "2026-09-07T07:00:00Z", "scheduled_end": "2026-09-07T08:00:00Z"} | fields


def test_the_feed_parses_back_with_its_rule_exceptions_and_one_offs():
    series = _appointment(
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Paris", "count": 10, "until": None},
        exceptions=[{"original_start": "2026-09-14T07:00:00Z", "cancelled": True},
                    {"original_start": "2026-09-21T07:00:00Z", "cancelled": False,
                     "scheduled_start": "2026-09-22T12:00:00Z", "scheduled_end": "2026-09-22T13:00:00Z"}])
    one_off = _appointment(id="0b1c2d3e-0000-4000-8000-000000000002", type="appointment", subject="Demo",
                           recurrence=None, status="cancelled")
    calendar = Calendar.from_ical(feed([series, one_off], "Test calendar"))
    events = calendar.walk("VEVENT")
    main = next(e for e in events if "RRULE" in e)
    assert main["RRULE"]["FREQ"] == ["WEEKLY"] and main["RRULE"]["BYDAY"] == ["MO"] and main["RRULE"]["COUNT"] == [10]
    assert main.DTSTART == datetime(2026, 9, 7, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert str(main.DTSTART.tzinfo) == "Europe/Paris"
    assert [d.dt for d in main["EXDATE"].dts] == [datetime(2026, 9, 14, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))]
    moved = next(e for e in events if "RECURRENCE-ID" in e)
    assert moved["UID"] == main["UID"] == "0b1c2d3e-0000-4000-8000-000000000001@crm.local"
    assert moved["RECURRENCE-ID"].dt == datetime(2026, 9, 21, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert moved.DTSTART == datetime(2026, 9, 22, 12, 0, tzinfo=UTC)
    demo = next(e for e in events if e["SUMMARY"] == "Demo")
    assert demo["STATUS"] == "CANCELLED" and "RRULE" not in demo
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
