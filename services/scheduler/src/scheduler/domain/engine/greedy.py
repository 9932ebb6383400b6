"""A fast first schedule: sessions one by one (in construction order), each at the best of
its first feasible starts with its cheapest free resources. CP-SAT then only has to improve
a good schedule, which it does far faster than building one from nothing."""
from __future__ import annotations

from collections import defaultdict

from scheduler.domain.engine.cpsat import _Spans
from scheduler.domain.engine.index import Index
from scheduler.domain.engine.model import Assignment, Placement, Problem

LOOK_AHEAD = 24  # feasible starts compared per session before taking the best of them


def construct(problem: Problem, index: Index, order: list[int], assignment: Assignment) -> Assignment:
    assignment = list(assignment)
    spans = defaultdict(list)  # resource -> [(start, end)]
    group_spans = defaultdict(list)
    for r, blocked in index.blocked.items():
        spans[r].extend(blocked)
    course_days, course_resources = defaultdict(set), defaultdict(set)
    for i, placement in enumerate(assignment):
        if placement is not None:
            _occupy(problem, index, i, placement, spans, group_spans, course_days, course_resources)
    weights = problem.weights
    for i in order:
        if assignment[i] is not None:
            continue
        session = problem.sessions[i]
        d = session.duration
        busy = {r: _Spans(spans[r]) for need in session.needs for r in need.candidates}
        groups = [_Spans(group_spans[g]) for g in index.groups_of[i]]
        lower = None
        if session.after is not None and assignment[session.after] is not None:
            lower = assignment[session.after].start + problem.sessions[session.after].duration
        by_cost = sorted(range(len(session.starts)),
                         key=lambda k: (session.start_costs[k] if session.start_costs else 0, session.starts[k]))
        best, found = None, 0
        for k in by_cost:
            t = session.starts[k]
            if lower is not None and t < lower:
                continue
            if any(g.overlaps(t, t + d) for g in groups):
                continue
            chosen, score = [], session.start_costs[k] if session.start_costs else 0
            for need in session.needs:
                free = sorted((c + (weights.stability if r not in course_resources[session.course] else 0), r)
                              for r, c in zip(need.candidates, need.costs)
                              if r not in chosen and not busy[r].overlaps(t, t + d))
                if len(free) < need.count:
                    break
                chosen += [r for _, r in free[:need.count]]
                score += sum(c for c, _ in free[:need.count])
            else:
                if session.course is not None and t // problem.day_length in course_days[session.course]:
                    score += weights.spread
                if best is None or score < best[0]:
                    best = (score, Placement(t, tuple(chosen)))
                found += 1
                if found >= LOOK_AHEAD:
                    break
        if best is not None:
            assignment[i] = best[1]
            _occupy(problem, index, i, best[1], spans, group_spans, course_days, course_resources)
    return assignment


def _occupy(problem, index, i, placement, spans, group_spans, course_days, course_resources):
    end = placement.start + problem.sessions[i].duration
    for r in placement.resources:
        spans[r].append((placement.start, end))
    for g in index.groups_of[i]:
        group_spans[g].append((placement.start, end))
    course = problem.sessions[i].course
    if course is not None:
        course_days[course].add(placement.start // problem.day_length)
        course_resources[course].update(placement.resources)
