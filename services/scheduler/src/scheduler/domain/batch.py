"""Batch solving in the CRM's terms: scheduling requests for services, resources with
calendars and existing bookings in, assignments (or reasons) out.

`plan` states the batch as an engine problem in minutes from the first day (UTC): each
request becomes a session whose starts are the grid points where every requirement has
enough resources free on its own calendar; existing bookings, time off and non-working
time become blocked resource time. `solve_batch` runs the engine and translates back,
giving each unassigned request the reasons the availability search finds for it once the
other requests' assignments are taken into account.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from scheduler.domain import availability
from scheduler.domain.calendars import Interval, as_time, free_intervals, subtract
from scheduler.domain.engine.model import Need, Problem, Session, Weights
from scheduler.domain.engine.search import Settings, solve
from scheduler.domain.requirements import Requirement, ResourceView, candidates, groups_by_member

MINUTE = timedelta(minutes=1)
# Soft weights, in the engine's units: an hour later costs 1.
WASTED_SEAT = 1
NOT_PREFERRED = 30
SAME_DAY = 60  # a course's session on a day the course already uses
EXTRA_RESOURCE = 15  # a course changing room or teacher between sessions
HEAVIEST_TEACHER_HOUR = 2  # each hour of the busiest person's load in the batch (balances teachers)
UNPLACED = 10_000_000


@dataclass
class BatchRequest:
    id: str
    service: dict  # the service record: id, name, duration_minutes, requirements, slot_minutes
    attendees: int
    window: Interval
    preferred_resource_ids: list[str] = field(default_factory=list)
    not_before: str | None = None  # id of a request of the batch that must end first
    course: str | None = None  # requests of one course: different days, same resources

    @classmethod
    def from_dict(cls, data: dict) -> "BatchRequest":
        return cls(id=str(data["id"]), service=data["service"], attendees=int(data.get("attendees") or 1),
                   window=(as_time(data["window"]["start"]), as_time(data["window"]["end"])),
                   preferred_resource_ids=[str(r) for r in data.get("preferred_resource_ids") or []],
                   not_before=data.get("not_before_request"), course=data.get("course"))


@dataclass
class Plan:
    problem: Problem
    origin: datetime
    requests: list[BatchRequest]
    views: list[ResourceView]
    free: dict[str, list[Interval]]  # each resource's free time over the horizon
    group_names: dict


def _step(request: BatchRequest, step_minutes: int | None) -> timedelta:
    return timedelta(minutes=step_minutes or request.service.get("slot_minutes") or 30)


def plan(requests: list[BatchRequest], resources: list[dict], groups: list[dict],
         busy: list[tuple[str, datetime, datetime]], step_minutes: int | None = None) -> Plan:
    start = min(r.window[0] for r in requests)
    end = max(r.window[1] for r in requests)
    origin = start.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    member_of = groups_by_member(groups)
    views = [ResourceView.from_record(r, member_of.get(r["id"], ())) for r in resources]
    position = {v.id: i for i, v in enumerate(views)}
    busy_by_resource = defaultdict(list)
    for resource_id, s, e in busy:
        busy_by_resource[resource_id].append((s, e))
    free = {r["id"]: free_intervals(r, start, end, busy_by_resource.get(r["id"], ())) for r in resources}

    def unit(moment: datetime) -> int:
        return int((moment - origin) // MINUTE)

    index_of = {r.id: i for i, r in enumerate(requests)}
    course_size = defaultdict(int)
    for r in requests:
        if r.course:
            course_size[r.course] += 1
    sessions, used = [], set()
    for r in requests:
        duration = timedelta(minutes=r.service["duration_minutes"])
        reqs = [Requirement.from_dict(q) for q in r.service.get("requirements") or []]
        needs, per_requirement = [], []
        for requirement in reqs:
            found = candidates(views, requirement, r.attendees)
            seats = requirement.seats_needed(r.attendees)
            preferred = set(r.preferred_resource_ids) & {v.id for v in found}
            costs = [(v.capacity - seats) * WASTED_SEAT if seats else 0 for v in found]
            if preferred:
                costs = [c + (0 if v.id in preferred else NOT_PREFERRED) for c, v in zip(costs, found)]
            needs.append(Need(requirement.count, [position[v.id] for v in found], costs))
            used.update(position[v.id] for v in found)
            per_requirement.append((requirement, found))
        starts = _starts(r, duration, per_requirement, free, _step(r, step_minutes))
        sessions.append(Session(
            key=r.id, duration=int(duration // MINUTE), starts=[unit(t) for t in starts],
            start_costs=[int((t - r.window[0]) // timedelta(hours=1)) for t in starts], needs=needs,
            course=r.course, after=index_of.get(r.not_before) if r.not_before else None))
    blocked = {}
    horizon = (start, end)
    for i in sorted(used):
        gaps = subtract([horizon], free[views[i].id])
        blocked[i] = [(unit(s), unit(e)) for s, e in gaps]
    course_groups = defaultdict(list)
    for i, r in enumerate(requests):
        if r.course:
            course_groups[r.course].append(i)
    problem = Problem(
        resources=[v.id for v in views], sessions=sessions, day_length=24 * 60, blocked=blocked,
        groups=[members for members in course_groups.values() if len(members) > 1],
        min_days=dict(course_size),
        balanced=[i for i in sorted(used) if views[i].kind == "user"], balance_unit=60,
        weights=Weights(unplaced=UNPLACED, spread=SAME_DAY, stability=EXTRA_RESOURCE, balance=HEAVIEST_TEACHER_HOUR))
    return Plan(problem, origin, requests, views, free, {g["id"]: g["name"] for g in groups})


def _starts(request: BatchRequest, duration: timedelta, per_requirement, free, step: timedelta) -> list[datetime]:
    """Grid starts in the window at which each requirement has enough resources free."""
    ranges = [(request.window[0], request.window[1] - duration)]
    for requirement, found in per_requirement:
        if len(found) < requirement.count:
            return []
        own = availability.at_least([availability.start_ranges(free.get(v.id, []), duration) for v in found],
                                    requirement.count)
        ranges = availability.intersect(ranges, own)
    return [t for first, last in ranges for t in availability.grid_points(first, last, step)]


def solve_batch(requests: list[BatchRequest], resources: list[dict], groups: list[dict], busy: list,
                time_limit: float, step_minutes: int | None = None, settings: Settings | None = None,
                on_progress=None) -> dict:
    """The answer of POST /scheduler/solve (times as datetimes). The time limit covers the
    whole answer: planning and explaining come out of the engine's share."""
    began = time.monotonic()
    the_plan = plan(requests, resources, groups, busy, step_minutes)

    def progress(info, assignment):
        if on_progress is not None:
            on_progress(info, lambda: decode(the_plan, assignment))

    explaining = min(0.1 * time_limit, 0.002 * len(requests))
    engine_limit = max(0.2, time_limit - (time.monotonic() - began) - explaining)
    result = solve(the_plan.problem, engine_limit, settings, progress)
    decoded = decode(the_plan, result.assignment)
    unassigned = [{"request_id": r.id, "reasons": reasons_for(the_plan, result.assignment, i)}
                  for i, r in enumerate(requests) if result.assignment[i] is None]
    return {"status": result.status, "assignments": decoded, "unassigned": unassigned,
            "objective": result.cost.soft, "bound": min(result.bound, result.cost.soft)
            if result.status == "optimal" else _soft_bound(the_plan, result.bound),
            "stats": {"iterations": result.iterations, "seconds": round(result.seconds, 2),
                      "sessions": len(requests), "cost": {k: v for k, v in result.cost.breakdown.items()}}}


def _soft_bound(the_plan: Plan, bound: int) -> int:
    """The engine's bound counts a request that can never be placed at its penalty; the
    objective we report leaves that penalty out, so the bound must too."""
    never = sum(1 for s in the_plan.problem.sessions if not s.starts)
    return max(0, bound - never * the_plan.problem.weights.unplaced)


def decode(the_plan: Plan, assignment) -> list[dict]:
    out = []
    for r, session, placement in zip(the_plan.requests, the_plan.problem.sessions, assignment):
        if placement is None:
            continue
        start = the_plan.origin + placement.start * MINUTE
        out.append({"request_id": r.id, "start": start, "end": start + session.duration * MINUTE,
                    "resource_ids": [the_plan.problem.resources[i] for i in placement.resources]})
    return out


def reasons_for(the_plan: Plan, assignment, i: int) -> list[str]:
    """Why request i has no assignment: the availability search's reasons on the calendars
    alone, else on the calendars with the rest of the batch placed, else the ordering."""
    request = the_plan.requests[i]
    query = availability.Search(
        duration=timedelta(minutes=request.service["duration_minutes"]),
        requirements=tuple(Requirement.from_dict(q) for q in request.service.get("requirements") or []),
        attendees=request.attendees, window=request.window, limit=1, step=_step(request, None))
    alone = availability.search(query, the_plan.views, the_plan.free, the_plan.group_names)
    if not alone.slots:
        return alone.reasons
    taken = defaultdict(list)
    for j, placement in enumerate(assignment):
        if placement is None or j == i:
            continue
        start = the_plan.origin + placement.start * MINUTE
        end = start + the_plan.problem.sessions[j].duration * MINUTE
        for resource in placement.resources:
            taken[the_plan.problem.resources[resource]].append((start, end))
    free = {rid: subtract(spans, taken.get(rid, ())) for rid, spans in the_plan.free.items()}
    together = availability.search(query, the_plan.views, free, the_plan.group_names)
    if not together.slots:
        return [f"{reason} once the other requests of the batch are placed" for reason in together.reasons]
    if request.not_before and assignment[the_plan.problem.sessions[i].after] is None:
        return [f"it must come after request {request.not_before}, which could not be placed"]
    return ["the free slots clash with other sessions of its course or its ordering, or the time "
            "limit ran out before the solver placed it"]
