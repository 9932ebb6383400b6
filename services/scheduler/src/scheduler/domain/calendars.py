"""Working-hour calendars as UTC intervals.

A resource works on weekly hours given in its own time zone; a 09:00-17:00 day in Tokyo
and one in Paris are different UTC intervals, and a daylight-saving change moves them. We
expand the weekly pattern day by day in the resource's zone (zoneinfo resolves the offset of
each local day), then subtract time off and bookings, all as half-open [start, end) UTC
intervals.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]

DEFAULT_WORKING_HOURS = tuple({"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5))


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_clock(text: str) -> tuple[int, int]:
    """'09:30' -> (9, 30); '24:00' is the end of the day."""
    hours, minutes = text.split(":")
    return int(hours), int(minutes)


def _local(day: date, clock: str, tz: ZoneInfo) -> datetime:
    hours, minutes = parse_clock(clock)
    if hours == 24:
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return datetime.combine(day, time(hours, minutes), tzinfo=tz)


def working_intervals(working_hours: Iterable[dict], tz_name: str, start: datetime,
                      end: datetime) -> list[Interval]:
    """The resource's working time inside [start, end), in UTC, merged and sorted."""
    tz = zone(tz_name or "UTC")
    by_weekday: dict[int, list[dict]] = {}
    for span in working_hours:
        by_weekday.setdefault(span["weekday"], []).append(span)
    out: list[Interval] = []
    # One local day either side: a UTC window edge can fall on the previous/next local date.
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        for span in by_weekday.get(day.weekday(), ()):
            s = _local(day, span["start"], tz).astimezone(timezone.utc)
            e = _local(day, span["end"], tz).astimezone(timezone.utc)
            s, e = max(s, start), min(e, end)
            if s < e:
                out.append((s, e))
        day += timedelta(days=1)
    return merge(out)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def subtract(intervals: list[Interval], blocks: Iterable[Interval]) -> list[Interval]:
    """`intervals` minus the union of `blocks` (both may be unsorted)."""
    blocks = merge(blocks)
    out: list[Interval] = []
    j = 0
    for s, e in merge(intervals):
        while j < len(blocks) and blocks[j][1] <= s:
            j += 1
        k, cursor = j, s
        while k < len(blocks) and blocks[k][0] < e:
            if blocks[k][0] > cursor:
                out.append((cursor, blocks[k][0]))
            cursor = max(cursor, blocks[k][1])
            k += 1
        if cursor < e:
            out.append((cursor, e))
    return out


def free_intervals(resource: dict, start: datetime, end: datetime,
                   busy: Iterable[Interval] = ()) -> list[Interval]:
    """When `resource` can take work in [start, end): its working hours minus its time off
    and the `busy` intervals (its bookings)."""
    working = working_intervals(resource.get("working_hours") or (), resource.get("timezone") or "UTC",
                                start, end)
    time_off = [(as_time(span["start"]), as_time(span["end"])) for span in resource.get("time_off") or ()]
    return subtract(working, [*time_off, *busy])


def as_time(value) -> datetime:
    """Records keep times as ISO strings in JSON columns; the rules compare datetimes."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def covers(intervals: list[Interval], start: datetime, end: datetime) -> bool:
    """Is [start, end) inside one of the (merged, sorted) intervals?"""
    lo, hi = 0, len(intervals)
    while lo < hi:  # last interval starting at or before `start`
        mid = (lo + hi) // 2
        if intervals[mid][0] <= start:
            lo = mid + 1
        else:
            hi = mid
    return lo > 0 and intervals[lo - 1][1] >= end
