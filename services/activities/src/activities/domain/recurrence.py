"""Recurring appointments (RFC 5545 rules through python-dateutil).

A series recurs in its own time zone: the rule is expanded on local wall-clock times and
each occurrence is then placed on the UTC line, so a weekly Monday 09:00 Europe/Paris
meeting stays at 09:00 in Paris when the clocks change (its UTC time moves instead).
A local time that does not exist (skipped by a spring change) takes the offset from before
the gap, as RFC 5545 says; an ambiguous one (autumn) takes the first of the two.

Exceptions are keyed by an occurrence's original start: one occurrence is cancelled, or
moved to another start/end, and the rest of the series is untouched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Parts a caller may not put in the rule text: the series' start is its scheduled_start,
# its end is `count` or `until` (kept as fields so they can be validated and changed).
RESERVED_PARTS = {"DTSTART": "scheduled_start", "COUNT": "recurrence.count", "UNTIL": "recurrence.until"}
MAX_OCCURRENCES = 5000


class RecurrenceError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_moment(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecurrenceError("recurrence.timezone", f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)") from None


def rule_text(text: str) -> str:
    """The rule's parts without an `RRULE:` prefix; checked for the parts we keep apart."""
    body = text.strip().removeprefix("RRULE:")
    parts = {}
    for part in filter(None, body.split(";")):
        key, _, value = part.partition("=")
        parts[key.strip().upper()] = value.strip()
    for key, where in RESERVED_PARTS.items():
        if key in parts:
            raise RecurrenceError("recurrence.rrule", f"{key} belongs in {where}, not in the rule")
    if parts.get("FREQ") not in FREQUENCIES:
        raise RecurrenceError("recurrence.rrule", f"FREQ must be one of {', '.join(FREQUENCIES)}")
    try:
        rrulestr("RRULE:" + body, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError("recurrence.rrule", f"not an RFC 5545 rule: {exc}") from None
    return body


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Naive wall-clock time in `tz` (what the rule is expanded on)."""
    return moment.astimezone(tz).replace(tzinfo=None)


def placed(wall_clock: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time of `tz` on the UTC line (fold=0: before a gap, first of a repeat)."""
    return wall_clock.replace(tzinfo=tz).astimezone(timezone.utc)


@dataclass(frozen=True)
class Occurrence:
    original_start: datetime
    start: datetime
    end: datetime
    moved: bool = False


@dataclass
class Series:
    start: datetime
    end: datetime
    rule: str
    tz_name: str = "UTC"
    count: int | None = None
    until: datetime | date | None = None
    exceptions: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, activity: dict) -> "Series":
        recurrence = activity["recurrence"]
        until = recurrence.get("until")
        if isinstance(until, str):
            until = date.fromisoformat(until) if len(until) == 10 else parse_moment(until)
        return cls(start=parse_moment(activity["scheduled_start"]), end=parse_moment(activity["scheduled_end"]),
                   rule=recurrence["rrule"], tz_name=recurrence.get("timezone") or "UTC",
                   count=recurrence.get("count"), until=until,
                   exceptions=list(activity.get("exceptions") or []))

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.tz_name)

    def until_moment(self) -> datetime | None:
        """`until` as an instant: a date means the whole of that day in the series' zone."""
        if self.until is None or isinstance(self.until, datetime):
            return self.until
        return placed(datetime.combine(self.until, time(23, 59, 59)), self.tz)

    def wall_clock_length(self) -> timedelta:
        return local(self.end, self.tz) - local(self.start, self.tz)

    def rrule(self) -> rrule:
        tz = self.tz
        rule = rrulestr("RRULE:" + rule_text(self.rule), dtstart=local(self.start, tz))
        until = self.until_moment()
        if self.count is not None:
            rule = rule.replace(count=self.count)
        elif until is not None:
            rule = rule.replace(until=local(until, tz))
        return rule

    def check(self) -> None:
        """Raise RecurrenceError for a series that cannot work as stated."""
        if self.count is not None and self.until is not None:
            raise RecurrenceError("recurrence.until", "give count or until, not both (RFC 5545)")
        rule = self.rrule()
        first = rule.after(local(self.start, self.tz), inc=True)
        if first is None:
            raise RecurrenceError("recurrence.until", "the series would have no occurrence")
        if first != local(self.start, self.tz):
            raise RecurrenceError("scheduled_start", "must be an occurrence of the rule "
                                  f"(the first one after it is {first.isoformat()} local time)")

    def _occurrence_at(self, wall_clock: datetime) -> Occurrence:
        tz = self.tz
        start = placed(wall_clock, tz)
        return Occurrence(start, start, placed(wall_clock + self.wall_clock_length(), tz))

    def is_occurrence(self, moment: datetime) -> bool:
        wall_clock = local(moment, self.tz)
        return self.rrule().after(wall_clock, inc=True) == wall_clock and \
            placed(wall_clock, self.tz) == moment.astimezone(timezone.utc)

    def _exceptions_by_start(self) -> dict[datetime, dict]:
        return {parse_moment(e["original_start"]).astimezone(timezone.utc): e for e in self.exceptions}

    def expand(self, window_start: datetime, window_end: datetime) -> list[Occurrence]:
        """Occurrences overlapping [window_start, window_end), exceptions applied, by start."""
        tz = self.tz
        exceptions = self._exceptions_by_start()
        # Wall-clock bounds padded by a day: offsets differ by hours, so nothing is missed;
        # the exact overlap test below runs on UTC instants.
        lower = local(window_start, tz) - self.wall_clock_length() - timedelta(days=1)
        upper = local(window_end, tz) + timedelta(days=1)
        found = []
        for wall_clock in self.rrule().xafter(lower, inc=True):
            if wall_clock > upper:
                break
            occurrence = self._occurrence_at(wall_clock)
            if occurrence.original_start in exceptions:
                continue  # cancelled, or moved: placed below at its new time
            if occurrence.start < window_end and occurrence.end > window_start:
                found.append(occurrence)
            if len(found) > MAX_OCCURRENCES:
                raise RecurrenceError("end", f"more than {MAX_OCCURRENCES} occurrences; ask for a shorter window")
        for original, exception in exceptions.items():
            if exception.get("cancelled") or not self.is_occurrence(original):
                continue
            start, end = parse_moment(exception["scheduled_start"]), parse_moment(exception["scheduled_end"])
            if start < window_end and end > window_start:
                found.append(Occurrence(original, start.astimezone(timezone.utc),
                                        end.astimezone(timezone.utc), moved=True))
        return sorted(found, key=lambda o: (o.start, o.original_start))


def single(start: datetime | None, end: datetime | None, window_start: datetime,
           window_end: datetime) -> list[Occurrence]:
    """A one-off activity seen as a series of one (so every calendar item expands alike)."""
    if start is None:
        return []
    end = end or start
    if start < window_end and (end > window_start or start >= window_start):
        return [Occurrence(start, start, end)]
    return []
