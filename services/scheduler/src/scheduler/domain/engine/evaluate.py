"""Hard-constraint check and cost of a complete assignment (the truth the search accepts
moves by; the CP-SAT neighbourhood objective only has to point the same way)."""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.domain.engine.model import Assignment, Problem


@dataclass
class Cost:
    unplaced: int = 0
    starts: int = 0
    resources: int = 0
    spread: int = 0
    stability: int = 0
    compactness: int = 0
    balance: int = 0
    breakdown: dict = field(default_factory=dict)  # raw counts before weights

    @property
    def total(self) -> int:
        return (self.unplaced + self.starts + self.resources + self.spread + self.stability
                + self.compactness + self.balance)

    @property
    def soft(self) -> int:
        """Everything but the penalty for unplaced sessions."""
        return self.total - self.unplaced


def _overlaps(spans: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Pairs of owners whose [start, end) spans overlap (spans: (start, end, owner))."""
    out, spans = [], sorted(spans)
    for i, (s, e, owner) in enumerate(spans):
        j = i + 1
        while j < len(spans) and spans[j][0] < e:
            if spans[j][2] != owner:
                out.append((owner, spans[j][2]))
            j += 1
    return out


def violations(problem: Problem, assignment: Assignment) -> list[str]:
    """Every broken hard constraint, in words (empty when the assignment is valid)."""
    out: list[str] = []
    by_resource: dict[int, list] = defaultdict(list)
    for index, placement in enumerate(assignment):
        if placement is None:
            continue
        session = problem.sessions[index]
        position = bisect_left(session.starts, placement.start)
        if position == len(session.starts) or session.starts[position] != placement.start:
            out.append(f"{session.key}: start {placement.start} is not allowed")
        cursor = 0
        for need in session.needs:
            chosen = placement.resources[cursor:cursor + need.count]
            cursor += need.count
            if len(set(chosen)) != need.count or not set(chosen) <= set(need.candidates):
                out.append(f"{session.key}: resources {chosen} do not meet a need")
        if len(set(placement.resources)) != len(placement.resources):
            out.append(f"{session.key}: one resource used twice")
        end = placement.start + session.duration
        for resource in set(placement.resources):
            by_resource[resource].append((placement.start, end, index))
            for s, e in problem.blocked.get(resource, ()):
                if s < end and placement.start < e:
                    out.append(f"{session.key}: {problem.resources[resource]} is unavailable")
        if session.after is not None:
            before = assignment[session.after]
            if before is not None and before.start + problem.sessions[session.after].duration > placement.start:
                out.append(f"{session.key}: starts before {problem.sessions[session.after].key} ends")
    for resource, spans in by_resource.items():
        for a, b in _overlaps(spans):
            out.append(f"{problem.resources[resource]} double booked: {problem.sessions[a].key} "
                       f"and {problem.sessions[b].key}")
    for group in problem.groups:
        spans = [(assignment[i].start, assignment[i].start + problem.sessions[i].duration, i)
                 for i in group if assignment[i] is not None]
        for a, b in _overlaps(spans):
            out.append(f"{problem.sessions[a].key} and {problem.sessions[b].key} overlap in a group")
    return out


def cost(problem: Problem, assignment: Assignment) -> Cost:
    weights, result = problem.weights, Cost()
    unplaced = sum(1 for p in assignment if p is None)
    result.unplaced = unplaced * weights.unplaced
    days_by_course: dict[str, set] = defaultdict(set)
    used_by_course: dict[str, set] = defaultdict(set)
    base_by_course: dict[str, int] = defaultdict(int)
    load: dict[int, int] = defaultdict(int)
    for index, placement in enumerate(assignment):
        if placement is None:
            continue
        session = problem.sessions[index]
        if session.start_costs:
            result.starts += session.start_costs[bisect_left(session.starts, placement.start)]
        cursor = 0
        for need in session.needs:
            for resource in placement.resources[cursor:cursor + need.count]:
                result.resources += need.costs[need.candidates.index(resource)]
            cursor += need.count
        for resource in placement.resources:
            load[resource] += session.duration
        if session.course is not None:
            days_by_course[session.course].add(placement.start // problem.day_length)
            used_by_course[session.course].update(placement.resources)
            base_by_course[session.course] = max(base_by_course[session.course], len(placement.resources))
    short = sum(max(0, problem.min_days.get(course, 0) - len(days)) for course, days in days_by_course.items())
    extra = sum(len(used) - base_by_course[course] for course, used in used_by_course.items())
    isolated = isolated_sessions(problem, assignment) if weights.compactness else 0
    heaviest = -(-max((load[r] for r in problem.balanced), default=0) // problem.balance_unit)  # ceil
    result.spread = weights.spread * short
    result.stability = weights.stability * extra
    result.compactness = weights.compactness * isolated
    result.balance = weights.balance * heaviest
    result.breakdown = {"unplaced": unplaced, "days_short": short, "extra_resources": extra,
                        "isolated": isolated, "heaviest_load": heaviest}
    return result


def isolated_sessions(problem: Problem, assignment: Assignment) -> int:
    """Per group, the placed members with no member of the same group ending where they
    start or starting where they end on the same day (counted once per group)."""
    count = 0
    for group in problem.groups:
        starts, ends = set(), set()
        for i in group:
            if assignment[i] is not None:
                starts.add(assignment[i].start)
                ends.add(assignment[i].start + problem.sessions[i].duration)
        for i in group:
            placement = assignment[i]
            if placement is None:
                continue
            start, end = placement.start, placement.start + problem.sessions[i].duration
            day = start // problem.day_length
            before = start in ends and (start - 1) // problem.day_length == day
            after = end in starts and end // problem.day_length == day
            if not before and not after:
                count += 1
    return count
