"""Service-level agreements counted in business time: pure, no I/O, no clock of its own.

A policy's calendar says when the clock runs (working days and hours in the policy's time
zone, minus holidays). Time the case spends waiting on the customer pauses the clock too.
A deadline is the moment at which `minutes` of such running time have passed since the case
was opened; a case shows for each deadline whether it was met, is on track, at risk or missed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

# A calendar whose working time never comes (no working days) would loop for ever; no real
# policy has a deadline further than this many days away.
MAX_DAYS_AHEAD = 3 * 366

Interval = tuple[datetime, datetime | None]  # end None: still running (an open pause)


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: str
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)  # time(0): midnight, the end of the day
    holidays: frozenset[date] = field(default_factory=frozenset)

    def working_window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working hours as aware datetimes, or None on a day off. Built in the
        calendar's zone, so a daylight-saving change keeps 9:00 meaning 9:00 local."""
        if day.weekday() not in self.working_days or day in self.holidays:
            return None
        zone = ZoneInfo(self.time_zone)
        # A day ending at 00:00 ends at midnight: a policy can run round the clock.
        end_day = day + timedelta(days=1) if self.day_end == time(0) else day
        return (datetime.combine(day, self.day_start, zone), datetime.combine(end_day, self.day_end, zone))


def _merged(pauses: Iterable[Interval]) -> list[Interval]:
    merged: list[list] = []
    for start, end in sorted(pauses, key=lambda p: p[0]):
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            if merged[-1][1] is not None and (end is None or end > merged[-1][1]):
                merged[-1][1] = end
            continue
        merged.append([start, end])
    return [(start, end) for start, end in merged]


def _minus_pauses(start: datetime, end: datetime, pauses: list[Interval]) -> Iterator[tuple[datetime, datetime]]:
    cursor = start
    for pause_start, pause_end in pauses:
        if pause_end is not None and pause_end <= cursor:
            continue
        if pause_start >= end:
            break
        if pause_start > cursor:
            yield cursor, pause_start
        if pause_end is None or pause_end >= end:
            return
        cursor = max(cursor, pause_end)
    if cursor < end:
        yield cursor, end


def running_time(calendar: BusinessCalendar, start: datetime, pauses: Iterable[Interval] = (),
                 until: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
    """The stretches after `start` (and before `until`) during which the SLA clock runs."""
    merged = _merged(pauses)
    zone = ZoneInfo(calendar.time_zone)
    day = start.astimezone(zone).date()
    for _ in range(MAX_DAYS_AHEAD):
        window = calendar.working_window(day)
        day += timedelta(days=1)
        if window is None:
            continue
        open_at, close_at = max(window[0], start), window[1]
        if until is not None:
            if open_at >= until:
                return
            close_at = min(close_at, until)
        if open_at < close_at:
            yield from _minus_pauses(open_at, close_at, merged)


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime,
                          pauses: Iterable[Interval] = ()) -> timedelta:
    """How much SLA time ran from `start` to `end`."""
    if end <= start:
        return timedelta(0)
    return sum((b - a for a, b in running_time(calendar, start, pauses, until=end)), timedelta(0))


def deadline(calendar: BusinessCalendar, start: datetime, minutes: int,
             pauses: Iterable[Interval] = ()) -> datetime | None:
    """When `minutes` of SLA time will have run since `start`; None while an open pause
    stops the clock before then (nobody can say when the customer answers)."""
    left = timedelta(minutes=minutes)
    if left <= timedelta(0):
        return start
    for stretch_start, stretch_end in running_time(calendar, start, pauses):
        if stretch_end - stretch_start >= left:
            return stretch_start + left
        left -= stretch_end - stretch_start
    return None


# --- where a case stands against one of its deadlines -----------------------------------

MET, ON_TRACK, AT_RISK, MISSED, PAUSED = "met", "on_track", "at_risk", "missed", "paused"


def deadline_status(calendar: BusinessCalendar, start: datetime, minutes: int,
                    pauses: Iterable[Interval], done_at: datetime | None, now: datetime,
                    warn_percent: int) -> str:
    """met / missed once done; before that missed past the deadline, at risk once
    `warn_percent` of the allowed time has run, paused while waiting on the customer."""
    pauses = list(pauses)
    due = deadline(calendar, start, minutes, pauses)
    if done_at is not None:
        return MET if due is None or done_at <= due else MISSED
    if due is not None and now > due:
        return MISSED
    if any(p_start <= now and (p_end is None or now < p_end) for p_start, p_end in pauses):
        return PAUSED
    used = business_time_between(calendar, start, now, pauses)
    if used >= timedelta(minutes=minutes) * warn_percent / 100:
        return AT_RISK
    return ON_TRACK
