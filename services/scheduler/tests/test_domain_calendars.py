"""Working hours in each resource's time zone, time off and bookings, as UTC intervals."""
from datetime import datetime, timedelta, timezone

from scheduler.domain.calendars import covers, free_intervals, merge, subtract, working_intervals

UTC = timezone.utc


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_weekly_hours_follow_the_resource_time_zone_and_its_daylight_saving_change():
    hours = [{"weekday": 0, "start": "09:00", "end": "17:00"}]
    # Paris moves from UTC+1 to UTC+2 on Sunday 29 March 2026.
    spans = working_intervals(hours, "Europe/Paris", at(20, 0), at(31, 0))
    assert spans == [(at(23, 8), at(23, 16)), (at(30, 7), at(30, 15))]
    tokyo = working_intervals(hours, "Asia/Tokyo", at(23, 0), at(24, 0))
    assert tokyo == [(at(23, 0), at(23, 8))]


def test_the_window_clips_and_24_00_ends_the_day():
    hours = [{"weekday": 0, "start": "22:00", "end": "24:00"}]
    assert working_intervals(hours, "UTC", at(23, 23), at(24, 12)) == [(at(23, 23), at(24, 0))]


def test_subtract_and_merge():
    base = [(at(2, 9), at(2, 17)), (at(3, 9), at(3, 17))]
    blocks = [(at(2, 10), at(2, 11)), (at(2, 10, 30), at(2, 12)), (at(3, 8), at(3, 10)), (at(3, 16), at(3, 18))]
    assert subtract(base, blocks) == [(at(2, 9), at(2, 10)), (at(2, 12), at(2, 17)), (at(3, 10), at(3, 16))]
    assert merge([(at(2, 9), at(2, 10)), (at(2, 10), at(2, 11))]) == [(at(2, 9), at(2, 11))]


def test_free_time_is_working_time_minus_time_off_and_bookings():
    resource = {"timezone": "UTC", "working_hours": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)],
                "time_off": [{"start": "2026-03-02T09:00:00Z", "end": "2026-03-03T00:00:00Z"}]}
    free = free_intervals(resource, at(2, 0), at(4, 0), busy=[(at(3, 9), at(3, 12))])
    assert free == [(at(3, 12), at(3, 17))]
    assert covers(free, at(3, 13), at(3, 17)) and not covers(free, at(3, 11), at(3, 13))
    assert free_intervals({"working_hours": [], "timezone": "UTC"}, at(2, 0), at(3, 0)) == []
    assert at(3, 17) - at(3, 12) == timedelta(hours=5)
