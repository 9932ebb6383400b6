"""The earliest feasible slots for one service in a window, or why there are none.

For each requirement we turn every matching resource's free intervals into the range of
starts that fit the duration, sweep them to find when at least `count` of them can start,
and intersect those ranges over the requirements. Only then do we walk the start grid
inside the ranges and pick concrete resources, so the cost grows with the number of free
intervals, not with the number of grid points times resources.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from scheduler.domain.calendars import Interval, covers
from scheduler.domain.requirements import Requirement, ResourceView, candidates, describe

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Search:
    duration: timedelta
    requirements: tuple[Requirement, ...]
    attendees: int
    window: Interval
    limit: int = 10
    step: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    resource_ids: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "resource_ids": list(self.resource_ids)}


@dataclass(frozen=True)
class Answer:
    slots: list[Slot]
    reasons: list[str]


def start_ranges(free: list[Interval], duration: timedelta) -> list[Interval]:
    """Closed ranges [first, last] of starts at which `duration` fits in a free interval."""
    return [(s, e - duration) for s, e in free if e - s >= duration]


def at_least(ranges_by_resource: list[list[Interval]], count: int) -> list[Interval]:
    """Closed ranges of times covered by at least `count` of the resources' ranges."""
    events = []
    for ranges in ranges_by_resource:
        for s, e in ranges:
            events.append((s, 0))  # opens before closes at the same instant: closed ranges
            events.append((e, 1))
    events.sort()
    out, depth, opened = [], 0, None
    for moment, kind in events:
        if kind == 0:
            depth += 1
            if depth == count:
                opened = moment
        else:
            if depth == count:
                out.append((opened, moment))
            depth -= 1
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s <= e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def grid_points(first: datetime, last: datetime, step: timedelta):
    """Starts on the step grid (aligned to the epoch, so 30 minutes means :00 and :30)."""
    offset = (first - EPOCH) % step
    t = first if not offset else first + (step - offset)
    while t <= last:
        yield t
        t += step


def search(query: Search, resources: list[ResourceView], free: dict[str, list[Interval]],
           group_names: dict | None = None) -> Answer:
    """`free` maps each resource id to its merged free intervals in the window (working
    hours minus time off and bookings)."""
    attendees, duration = query.attendees, query.duration
    window_start, window_end = query.window
    if window_end - window_start < duration:
        return Answer([], [f"the window is shorter than the service's {_minutes(duration)}"])
    reasons, per_requirement, ranges = [], [], None
    for requirement in query.requirements:
        text = describe(requirement, attendees, group_names)
        found = candidates(resources, requirement, attendees)
        if len(found) < requirement.count:
            reasons.append(f"no {text} exists" if not found else
                           f"only {len(found)} of the {text} needed exist")
            continue
        own = at_least([start_ranges(free.get(r.id, []), duration) for r in found], requirement.count)
        if not own:
            reasons.append(f"no {text} is free for {_minutes(duration)} in the window" if requirement.count == 1
                           else f"never {text} free at the same time for {_minutes(duration)} in the window")
            continue
        per_requirement.append((requirement, found))
        ranges = own if ranges is None else intersect(ranges, own)
    if reasons:
        return Answer([], reasons)
    if not ranges:
        names = "; ".join(describe(r, attendees, group_names) for r, _ in per_requirement)
        return Answer([], [f"the requirements are never free at the same time in the window ({names})"])
    slots = _pick(ranges, per_requirement, free, query)
    if not slots:
        return Answer([], [f"no start on the {_minutes(query.step)} grid leaves every requirement met "
                           "with distinct resources"])
    return Answer(slots, [])


def _pick(ranges, per_requirement, free, query: Search) -> list[Slot]:
    # Scarce requirements choose first, so a flexible one does not take their only resource.
    order = sorted(range(len(per_requirement)), key=lambda i: len(per_requirement[i][1]))
    slots: list[Slot] = []
    for first, last in ranges:
        for start in grid_points(first, last, query.step):
            end = start + query.duration
            chosen: list[list[str]] = [[] for _ in per_requirement]
            used: set[str] = set()
            for i in order:
                requirement, found = per_requirement[i]
                for resource in found:
                    if resource.id not in used and covers(free.get(resource.id, []), start, end):
                        chosen[i].append(resource.id)
                        used.add(resource.id)
                        if len(chosen[i]) == requirement.count:
                            break
                if len(chosen[i]) < requirement.count:
                    break
            else:
                slots.append(Slot(start, end, tuple(rid for ids in chosen for rid in ids)))
                if len(slots) >= query.limit:
                    return slots
    return slots


def _minutes(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    return f"{minutes} minutes"
