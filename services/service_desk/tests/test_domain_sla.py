"""SLA deadlines in business time, with fixed clocks: weekends, holidays, pauses, time zones."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from service_desk.domain.sla import (AT_RISK, MET, MISSED, ON_TRACK, PAUSED, BusinessCalendar,
                                     business_time_between, deadline, deadline_status)

PARIS = ZoneInfo("Europe/Paris")
# Monday to Friday, 9:00-17:00 Paris time; 2026-12-25 (a Friday) is a holiday.
CALENDAR = BusinessCalendar("Europe/Paris", holidays=frozenset({date(2026, 12, 25)}))


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_a_deadline_inside_one_working_day():
    assert deadline(CALENDAR, paris(2026, 11, 23, 10, 0), 120) == paris(2026, 11, 23, 12, 0)


def test_time_before_opening_hours_does_not_count():
    assert deadline(CALENDAR, paris(2026, 11, 23, 6, 30), 60) == paris(2026, 11, 23, 10, 0)


def test_a_deadline_crosses_the_weekend():
    # Friday 16:00 + 4 working hours: 1 hour on Friday, 3 on Monday from 9:00.
    assert deadline(CALENDAR, paris(2026, 11, 27, 16, 0), 240) == paris(2026, 11, 30, 12, 0)


def test_a_case_opened_on_saturday_starts_on_monday_morning():
    assert deadline(CALENDAR, paris(2026, 11, 28, 11, 0), 30) == paris(2026, 11, 30, 9, 30)


def test_a_holiday_is_skipped_like_a_weekend():
    # Thursday 24 Dec 15:00 + 3 hours: 2 hours on Thursday, Friday 25th is a holiday,
    # the weekend follows, so the last hour is Monday 28th 9:00-10:00.
    assert deadline(CALENDAR, paris(2026, 12, 24, 15, 0), 180) == paris(2026, 12, 28, 10, 0)


def test_a_closed_pause_pushes_the_deadline_by_the_business_time_it_covered():
    start = paris(2026, 11, 23, 9, 0)
    pause = (paris(2026, 11, 23, 10, 0), paris(2026, 11, 23, 11, 30))
    assert deadline(CALENDAR, start, 240, [pause]) == paris(2026, 11, 23, 14, 30)


def test_a_pause_over_a_night_only_costs_its_working_hours():
    start = paris(2026, 11, 23, 9, 0)
    pause = (paris(2026, 11, 23, 16, 0), paris(2026, 11, 24, 10, 0))  # 1 h Monday + 1 h Tuesday
    assert deadline(CALENDAR, start, 8 * 60, [pause]) == paris(2026, 11, 24, 11, 0)


def test_weekend_holiday_and_pause_together():
    # Wednesday 23 Dec 16:00, 8 working hours; waiting on the customer Thursday 10:00-12:00.
    # Wed 16-17 (1 h), Thu 9-10 and 12-17 (6 h), Fri holiday, weekend, Mon 28th 9-10 (1 h).
    pause = (paris(2026, 12, 24, 10, 0), paris(2026, 12, 24, 12, 0))
    assert deadline(CALENDAR, paris(2026, 12, 23, 16, 0), 480, [pause]) == paris(2026, 12, 28, 10, 0)


def test_an_open_pause_means_no_deadline_yet():
    start = paris(2026, 11, 23, 9, 0)
    assert deadline(CALENDAR, start, 120, [(paris(2026, 11, 23, 10, 0), None)]) is None
    # ... unless the deadline falls before the pause begins.
    assert deadline(CALENDAR, start, 30, [(paris(2026, 11, 23, 10, 0), None)]) == paris(2026, 11, 23, 9, 30)


def test_overlapping_pauses_count_once():
    start = paris(2026, 11, 23, 9, 0)
    pauses = [(paris(2026, 11, 23, 10, 0), paris(2026, 11, 23, 11, 0)),
              (paris(2026, 11, 23, 10, 30), paris(2026, 11, 23, 12, 0))]
    assert deadline(CALENDAR, start, 120, pauses) == paris(2026, 11, 23, 13, 0)


def test_working_hours_follow_the_policys_time_zone_across_a_daylight_saving_change():
    # Paris leaves summer time on Sunday 25 Oct 2026: Friday 9:00 is 07:00 UTC, Monday 9:00 is 08:00 UTC.
    friday_late = datetime(2026, 10, 23, 14, 30, tzinfo=timezone.utc)  # 16:30 Paris
    due = deadline(CALENDAR, friday_late, 60)
    assert due == paris(2026, 10, 26, 9, 30)
    assert due.astimezone(timezone.utc) == datetime(2026, 10, 26, 8, 30, tzinfo=timezone.utc)


def test_a_calendar_in_another_zone_opens_at_its_own_nine_oclock():
    new_york = BusinessCalendar("America/New_York")
    start = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)  # 8:00 in New York
    assert deadline(new_york, start, 60) == datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def test_custom_days_and_hours():
    six_days = BusinessCalendar("UTC", working_days=frozenset(range(6)), day_start=time(8), day_end=time(12))
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=timezone.utc)
    assert deadline(six_days, saturday, 120) == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def test_a_day_ending_at_midnight_runs_round_the_clock():
    always = BusinessCalendar("UTC", working_days=frozenset(range(7)), day_start=time(0), day_end=time(0))
    saturday_night = datetime(2026, 11, 28, 23, 30, tzinfo=timezone.utc)
    assert deadline(always, saturday_night, 24 * 60) == saturday_night + timedelta(days=1)


def test_a_calendar_without_working_days_has_no_deadline():
    assert deadline(BusinessCalendar("UTC", working_days=frozenset()), paris(2026, 11, 23, 9, 0), 60) is None


def test_business_time_between_counts_only_working_unpaused_time():
    pause = (paris(2026, 11, 27, 16, 30), paris(2026, 11, 30, 9, 15))
    elapsed = business_time_between(CALENDAR, paris(2026, 11, 27, 15, 0), paris(2026, 11, 30, 10, 0), [pause])
    assert elapsed == timedelta(minutes=90 + 45)


class TestStatus:
    start = paris(2026, 11, 23, 9, 0)  # deadline for 240 minutes: 13:00

    def status(self, now, done_at=None, pauses=()):
        return deadline_status(CALENDAR, self.start, 240, pauses, done_at, now, warn_percent=75)

    def test_met_when_done_in_time_and_missed_when_late(self):
        assert self.status(paris(2026, 11, 24, 9, 0), done_at=paris(2026, 11, 23, 12, 59)) == MET
        assert self.status(paris(2026, 11, 24, 9, 0), done_at=paris(2026, 11, 23, 13, 1)) == MISSED

    def test_on_track_then_at_risk_then_missed_as_the_clock_runs(self):
        assert self.status(paris(2026, 11, 23, 11, 0)) == ON_TRACK
        assert self.status(paris(2026, 11, 23, 12, 0)) == AT_RISK  # 75 % of 4 h used
        assert self.status(paris(2026, 11, 23, 13, 0, 1)) == MISSED

    def test_paused_while_waiting_on_the_customer_and_not_missed_by_the_wall_clock(self):
        waiting = [(paris(2026, 11, 23, 10, 0), None)]
        assert self.status(paris(2026, 11, 24, 16, 0), pauses=waiting) == PAUSED

    def test_a_weekend_does_not_make_a_friday_case_at_risk(self):
        friday = paris(2026, 11, 27, 16, 0)
        status = deadline_status(CALENDAR, friday, 240, [], None, paris(2026, 11, 29, 20, 0), 75)
        assert status == ON_TRACK


@settings(max_examples=200, deadline=None)
@given(start_minutes=st.integers(0, 60 * 24 * 14), minutes=st.integers(1, 60 * 40))
def test_the_deadline_is_exactly_the_allowed_business_time_after_the_start(start_minutes, minutes):
    start = paris(2026, 11, 16, 0, 0) + timedelta(minutes=start_minutes)
    due = deadline(CALENDAR, start, minutes)
    assert business_time_between(CALENDAR, start, due) == timedelta(minutes=minutes)
    # and not a minute later than needed: the last working minute ends exactly at `due`
    assert business_time_between(CALENDAR, start, due - timedelta(minutes=1)) == timedelta(minutes=minutes - 1)
