"""Recurring series (pure): RFC 5545 rules on local wall-clock time, exceptions, count/until."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from activities.domain.recurrence import RecurrenceError, Series, single

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


def weekly_monday(count=None, until=None, exceptions=(), start=datetime(2026, 9, 7, 9, 0, tzinfo=PARIS)):
    return Series(start=start, end=start + timedelta(hours=1), rule="FREQ=WEEKLY;BYDAY=MO",
                  tz_name="Europe/Paris", count=count, until=until, exceptions=list(exceptions))


def test_a_weekly_monday_0900_paris_meeting_stays_at_0900_local_across_both_changes():
    series = weekly_monday()
    # From September (CEST, UTC+2) past 25 October 2026 (CET, UTC+1) to April 2027, past
    # 28 March 2027 (CEST again).
    occurrences = series.expand(datetime(2026, 9, 1, tzinfo=UTC), datetime(2027, 4, 30, tzinfo=UTC))
    local_starts = [o.start.astimezone(PARIS) for o in occurrences]
    assert all((s.hour, s.minute, s.weekday()) == (9, 0, 0) for s in local_starts)
    assert all(o.end - o.start == timedelta(hours=1) for o in occurrences)
    by_day = {s.date(): o.start for s, o in zip(local_starts, occurrences)}
    # The UTC time moves instead: 07:00Z in summer time, 08:00Z in winter time.
    assert by_day[date(2026, 10, 19)] == datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    assert by_day[date(2026, 10, 26)] == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert by_day[date(2027, 3, 22)] == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert by_day[date(2027, 3, 29)] == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert len(occurrences) == 34  # every Monday from 7 Sept 2026 to 26 April 2027


def test_count_limits_the_series():
    occurrences = weekly_monday(count=3).expand(datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert [o.start.astimezone(PARIS).date() for o in occurrences] == \
        [date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21)]


@pytest.mark.parametrize("until", [date(2026, 9, 21), datetime(2026, 9, 21, 9, 0, tzinfo=PARIS)])
def test_until_is_inclusive_as_a_date_or_an_instant(until):
    occurrences = weekly_monday(until=until).expand(datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert [o.start.astimezone(PARIS).date() for o in occurrences][-1] == date(2026, 9, 21)
    assert len(occurrences) == 3


def test_an_until_just_before_an_occurrence_excludes_it():
    series = weekly_monday(until=datetime(2026, 9, 21, 8, 59, tzinfo=PARIS))
    assert len(series.expand(datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))) == 2


def test_an_exception_moves_one_occurrence_only():
    moved_from = datetime(2026, 9, 14, 9, 0, tzinfo=PARIS)
    moved_to = datetime(2026, 9, 15, 14, 0, tzinfo=PARIS)
    series = weekly_monday(count=4, exceptions=[{
        "original_start": moved_from.isoformat(), "cancelled": False,
        "scheduled_start": moved_to.isoformat(), "scheduled_end": (moved_to + timedelta(minutes=30)).isoformat()}])
    occurrences = series.expand(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC))
    assert [(o.start.astimezone(PARIS), o.moved) for o in occurrences] == [
        (datetime(2026, 9, 7, 9, 0, tzinfo=PARIS), False),
        (moved_to, True),
        (datetime(2026, 9, 21, 9, 0, tzinfo=PARIS), False),
        (datetime(2026, 9, 28, 9, 0, tzinfo=PARIS), False),
    ]
    assert occurrences[1].original_start == moved_from
    assert occurrences[1].end - occurrences[1].start == timedelta(minutes=30)


def test_a_cancelled_occurrence_disappears_and_the_others_stay():
    series = weekly_monday(count=3, exceptions=[{"original_start": "2026-09-14T07:00:00Z", "cancelled": True}])
    occurrences = series.expand(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC))
    assert [o.start.astimezone(PARIS).day for o in occurrences] == [7, 21]


def test_a_moved_occurrence_appears_in_the_window_it_was_moved_to():
    series = weekly_monday(count=3, exceptions=[{
        "original_start": "2026-09-14T07:00:00Z", "cancelled": False,
        "scheduled_start": "2026-10-05T07:00:00Z", "scheduled_end": "2026-10-05T08:00:00Z"}])
    october = series.expand(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC))
    assert [(o.start, o.moved) for o in october] == [(datetime(2026, 10, 5, 7, 0, tzinfo=UTC), True)]


def test_the_window_keeps_occurrences_that_overlap_it():
    series = weekly_monday(count=2)
    # 09:30-09:45 Paris on the first Monday: inside the 09:00-10:00 occurrence.
    inside = series.expand(datetime(2026, 9, 7, 7, 30, tzinfo=UTC), datetime(2026, 9, 7, 7, 45, tzinfo=UTC))
    assert len(inside) == 1
    assert series.expand(datetime(2026, 9, 7, 8, 0, tzinfo=UTC), datetime(2026, 9, 14, 7, 0, tzinfo=UTC)) == []


def test_a_nonexistent_local_time_takes_the_offset_from_before_the_gap():
    # 02:30 on 28 March 2027 does not exist in Paris; RFC 5545 reads it with the +01:00 offset.
    start = datetime(2027, 3, 21, 2, 30, tzinfo=PARIS)
    series = Series(start=start, end=start + timedelta(hours=1), rule="FREQ=WEEKLY", tz_name="Europe/Paris", count=2)
    second = series.expand(datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 30, tzinfo=UTC))[1]
    assert second.start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("series, field", [
    (weekly_monday(count=2, until=date(2027, 1, 1)), "recurrence.until"),
    (weekly_monday(start=datetime(2026, 9, 8, 9, 0, tzinfo=PARIS)), "scheduled_start"),  # a Tuesday
    (weekly_monday(until=date(2026, 9, 1)), "recurrence.until"),
    (Series(datetime(2026, 9, 7, tzinfo=UTC), datetime(2026, 9, 7, 1, tzinfo=UTC), "FREQ=WEEKLY;COUNT=3"), "recurrence.rrule"),
    (Series(datetime(2026, 9, 7, tzinfo=UTC), datetime(2026, 9, 7, 1, tzinfo=UTC), "FREQ=MINUTELY"), "recurrence.rrule"),
    (Series(datetime(2026, 9, 7, tzinfo=UTC), datetime(2026, 9, 7, 1, tzinfo=UTC), "FREQ=WEEKLY;BYDAY=XX"), "recurrence.rrule"),
    (Series(datetime(2026, 9, 7, tzinfo=UTC), datetime(2026, 9, 7, 1, tzinfo=UTC), "FREQ=DAILY", "Mars/Olympus"), "recurrence.timezone"),
])
def test_series_that_cannot_work_name_the_field_at_fault(series, field):
    with pytest.raises(RecurrenceError) as raised:
        series.check()
    assert raised.value.field == field


def test_a_one_off_appointment_is_a_series_of_one():
    start, end = datetime(2026, 9, 7, 9, tzinfo=UTC), datetime(2026, 9, 7, 10, tzinfo=UTC)
    assert [o.start for o in single(start, end, datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC))] == [start]
    assert single(start, end, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)) == []
