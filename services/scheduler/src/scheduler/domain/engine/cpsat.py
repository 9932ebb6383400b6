"""One neighbourhood solved exactly by CP-SAT: the free sessions get variables, every other
placed session is fixed and only blocks time.

Starts are pre-filtered against what is fixed (blocked resource time, fixed members of the
same groups, fixed predecessors and successors, needs that could not be met), which keeps
the models small; what remains is a choice of one start per session (booleans), resources
per need (booleans tied to optional intervals, one no-overlap per resource and per group)
and the soft terms that the free sessions can change.
"""
from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.domain.engine.index import Index
from scheduler.domain.engine.model import Assignment, Placement

STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible",
          cp_model.MODEL_INVALID: "invalid", cp_model.UNKNOWN: "unknown"}


@dataclass
class SubResult:
    placements: dict[int, Placement | None]
    status: str
    objective: float | None
    bound: float | None
    seconds: float


def _busy_tables(problem, index: Index, assignment: Assignment, free: set[int]):
    resource_spans = defaultdict(list)
    group_spans = defaultdict(list)
    for r, spans in index.blocked.items():
        resource_spans[r].extend(spans)
    for i, placement in enumerate(assignment):
        if placement is None or i in free:
            continue
        end = placement.start + problem.sessions[i].duration
        for r in placement.resources:
            resource_spans[r].append((placement.start, end))
        for g in index.groups_of[i]:
            group_spans[g].append((placement.start, end))
    return resource_spans, group_spans


def solve_neighbourhood(index: Index, assignment: Assignment, free: list[int], time_limit: float,
                        workers: int = 1, seed: int = 0, placement_only: bool = False) -> SubResult:
    """Solve the free sessions with everything else fixed. `placement_only` drops the soft
    terms: the fastest way to repair a schedule that leaves sessions unplaced."""
    began = time.monotonic()
    problem = index.problem
    sessions, weights = problem.sessions, problem.weights
    free_set = set(free)
    resource_spans, group_spans = _busy_tables(problem, index, assignment, free_set)
    resource_busy = {r: _Spans(spans) for r, spans in resource_spans.items()}
    group_busy = {g: _Spans(spans) for g, spans in group_spans.items()}
    empty = _Spans([])

    model = cp_model.CpModel()
    lits: dict[int, list[tuple[int, int, object]]] = {}  # session -> [(k, start, literal)]
    placed, start_var, res_lits = {}, {}, {}
    objective = []
    for s in free:
        session = sessions[s]
        allowed = _allowed_starts(problem, index, assignment, s, free_set, resource_busy, group_busy, empty)
        if not allowed:
            continue
        options = [(k, t, model.NewBoolVar("")) for k, t in allowed]
        lits[s] = options
        p = model.NewBoolVar("")
        placed[s] = p
        model.Add(sum(lit for _, _, lit in options) == p)
        start = model.NewIntVarFromDomain(cp_model.Domain.FromValues([0] + [t for _, t, _ in options]), "")
        model.Add(start == sum(t * lit for _, t, lit in options))
        start_var[s] = start
        if session.start_costs and not placement_only:
            objective += [session.start_costs[k] * lit for k, _, lit in options if session.start_costs[k]]
        objective.append(-weights.unplaced * p)
        per_need = []
        for need in session.needs:
            chosen = {}
            for r, c in zip(need.candidates, need.costs):
                b = model.NewBoolVar("")
                chosen[r] = b
                if c and not placement_only:
                    objective.append(c * b)
            model.Add(sum(chosen.values()) == need.count * p)
            per_need.append(chosen)
        res_lits[s] = per_need

    # No double booking: one no-overlap per resource the free sessions may use.
    intervals_of = defaultdict(list)
    horizon_of: dict[int, list[int]] = {}
    for s, per_need in res_lits.items():
        d = sessions[s].duration
        first, last = lits[s][0][1], lits[s][-1][1] + d
        for chosen in per_need:
            for r, b in chosen.items():
                intervals_of[r].append(model.NewOptionalFixedSizeIntervalVar(start_var[s], d, b, ""))
                lo_hi = horizon_of.setdefault(r, [first, last])
                lo_hi[0], lo_hi[1] = min(lo_hi[0], first), max(lo_hi[1], last)
    for r, intervals in intervals_of.items():
        lo, hi = horizon_of[r]
        fixed = [model.NewFixedSizeIntervalVar(s, e - s, "") for s, e in resource_spans.get(r, ())
                 if s < hi and e > lo]
        if len(intervals) + len(fixed) > 1:
            model.AddNoOverlap(intervals + fixed)

    # Groups (shared attendees, curricula): members never overlap.
    session_interval = {s: model.NewOptionalFixedSizeIntervalVar(start_var[s], sessions[s].duration, placed[s], "")
                        for s in lits}
    touched_groups = {g for s in lits for g in index.groups_of[s]}
    for g in touched_groups:
        members = [session_interval[s] for s in problem.groups[g] if s in lits]
        if len(members) > 1:  # fixed members were filtered out of the starts already
            model.AddNoOverlap(members)

    # Ordering between free sessions (against fixed ones it is in the start filter).
    for s in lits:
        p_index = sessions[s].after
        if p_index is not None and p_index in lits:
            model.Add(start_var[s] >= start_var[p_index] + sessions[p_index].duration).OnlyEnforceIf(
                [placed[s], placed[p_index]])

    if not placement_only:
        objective += _course_terms(model, problem, index, assignment, free_set, lits, res_lits)
    if weights.compactness and not placement_only:
        objective += _compactness_terms(model, problem, index, assignment, free_set, lits)
    if weights.balance and problem.balanced and not placement_only:
        objective += _balance_terms(model, problem, assignment, free_set, res_lits)

    if objective:
        model.Minimize(sum(objective))
    for s in lits:  # warm start from the current assignment
        current = assignment[s]
        if current is None:
            model.AddHint(placed[s], 0)
            continue
        model.AddHint(placed[s], 1)
        for _, t, lit in lits[s]:
            model.AddHint(lit, int(t == current.start))
        cursor = 0
        for need, chosen in zip(sessions[s].needs, res_lits[s]):
            mine = set(current.resources[cursor:cursor + need.count])
            cursor += need.count
            for r, b in chosen.items():
                model.AddHint(b, int(r in mine))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    code = solver.Solve(model)
    status = STATUS.get(code, "unknown")
    placements: dict[int, Placement | None] = {}
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for s in free:
            if s not in lits or not solver.BooleanValue(placed[s]):
                placements[s] = None
                continue
            start = next(t for _, t, lit in lits[s] if solver.BooleanValue(lit))
            chosen_resources = tuple(r for chosen in res_lits[s] for r, b in chosen.items()
                                     if solver.BooleanValue(b))
            placements[s] = Placement(start, chosen_resources)
        return SubResult(placements, status, solver.ObjectiveValue(), solver.BestObjectiveBound(),
                         time.monotonic() - began)
    return SubResult({}, status, None, None, time.monotonic() - began)


class _Spans:
    """Sorted [start, end) spans with an overlap test that stays correct for spans of any
    length (a prefix maximum of ends)."""

    def __init__(self, spans):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.max_end = []
        best = None
        for _, e in self.spans:
            best = e if best is None else max(best, e)
            self.max_end.append(best)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)  # spans [0, i) start before `end`
        if i == 0:
            return False
        if self.max_end[i - 1] <= start:
            return False
        for j in range(i - 1, -1, -1):
            if self.spans[j][1] > start:
                return True
            if self.max_end[j] <= start:
                return False
        return False


def _allowed_starts(problem, index: Index, assignment, s, free_set, resource_busy, group_busy, empty):
    session = problem.sessions[s]
    d = session.duration
    not_before = None
    if session.after is not None and session.after not in free_set and assignment[session.after] is not None:
        not_before = assignment[session.after].start + problem.sessions[session.after].duration
    not_after = None  # latest end allowed by fixed successors
    for q in index.successors[s]:
        if q not in free_set and assignment[q] is not None:
            not_after = assignment[q].start if not_after is None else min(not_after, assignment[q].start)
    groups = [group_busy.get(g, empty) for g in index.groups_of[s]]
    out = []
    for k, t in enumerate(session.starts):
        if not_before is not None and t < not_before:
            continue
        if not_after is not None and t + d > not_after:
            break
        if any(busy.overlaps(t, t + d) for busy in groups):
            continue
        if all(sum(1 for r in need.candidates if not resource_busy.get(r, empty).overlaps(t, t + d)) >= need.count
               for need in session.needs):
            out.append((k, t))
    return out


def _course_terms(model, problem, index: Index, assignment, free_set, lits, res_lits):
    """Spread over distinct days and stability of resources, for courses with free sessions."""
    weights, terms = problem.weights, []
    courses = {problem.sessions[s].course for s in lits} - {None}
    for course in courses:
        members = index.course_members[course]
        fixed = [assignment[i] for i in members if i not in free_set and assignment[i] is not None]
        target = problem.min_days.get(course, 0)
        if weights.spread and target:
            fixed_days = {p.start // problem.day_length for p in fixed}
            day_lits = defaultdict(list)
            for s in members:
                for _, t, lit in lits.get(s, ()):
                    if t // problem.day_length not in fixed_days:
                        day_lits[t // problem.day_length].append(lit)
            used = []
            for day_literals in day_lits.values():
                u = model.NewBoolVar("")
                model.Add(u <= sum(day_literals))
                used.append(u)
            short = model.NewIntVar(0, target, "")
            model.Add(short >= target - len(fixed_days) - sum(used))
            terms.append(weights.spread * short)
        if weights.stability:
            fixed_used = {r for p in fixed for r in p.resources}
            usage = {}
            for s in members:
                for chosen in res_lits.get(s, ()):
                    for r, b in chosen.items():
                        if r in fixed_used:
                            continue
                        if r not in usage:
                            usage[r] = model.NewBoolVar("")
                        model.AddImplication(b, usage[r])
            terms += [weights.stability * u for u in usage.values()]
    return terms


def _compactness_terms(model, problem, index: Index, assignment, free_set, lits):
    """Per group, a session with no group member right before or after it on the same day
    costs `weights.compactness`; fixed members count too, as free ones may come next to them."""
    terms, day = [], problem.day_length
    touched = {g for s in lits for g in index.groups_of[s]}
    for g in touched:
        starts_at, ends_at = defaultdict(list), defaultdict(list)
        fixed_starts, fixed_ends = set(), set()
        fixed_members = []
        for i in problem.groups[g]:
            d = problem.sessions[i].duration
            if i in free_set:
                for _, t, lit in lits.get(i, ()):
                    starts_at[t].append((i, lit))
                    ends_at[t + d].append((i, lit))
            elif assignment[i] is not None:
                fixed_starts.add(assignment[i].start)
                fixed_ends.add(assignment[i].start + d)
                fixed_members.append((assignment[i].start, assignment[i].start + d))

        def neighbours(owner, t, end):
            same_before = (t - 1) // day == t // day
            same_after = end // day == t // day
            if (same_before and t in fixed_ends) or (same_after and end in fixed_starts):
                return None  # a fixed neighbour: never isolated
            found = []
            if same_before:
                found += [lit for i, lit in ends_at.get(t, ()) if i != owner]
            if same_after:
                found += [lit for i, lit in starts_at.get(end, ()) if i != owner]
            return found

        for i in problem.groups[g]:
            if i not in lits:
                continue
            d = problem.sessions[i].duration
            iso = None
            for _, t, lit in lits[i]:
                near = neighbours(i, t, t + d)
                if near is None:
                    continue
                if iso is None:
                    iso = model.NewBoolVar("")
                    terms.append(problem.weights.compactness * iso)
                model.Add(iso >= lit - sum(near))
        for start, end in fixed_members:
            near = neighbours(None, start, end)
            if near is None:
                continue
            if not near:
                continue  # isolated whatever the free sessions do: a constant
            iso = model.NewBoolVar("")
            model.Add(iso >= 1 - sum(near))
            terms.append(problem.weights.compactness * iso)
    return terms


def _balance_terms(model, problem, assignment, free_set, res_lits):
    fixed_load = defaultdict(int)
    for i, placement in enumerate(assignment):
        if placement is not None and i not in free_set:
            for r in placement.resources:
                fixed_load[r] += problem.sessions[i].duration
    variable = defaultdict(list)
    for s, per_need in res_lits.items():
        for chosen in per_need:
            for r, b in chosen.items():
                variable[r].append(problem.sessions[s].duration * b)
    total = sum(fixed_load.values()) + sum(problem.sessions[s].duration * len(problem.sessions[s].needs)
                                           for s in res_lits)
    heaviest = model.NewIntVar(0, max(1, total), "")  # in steps of balance_unit
    for r in problem.balanced:
        model.Add(problem.balance_unit * heaviest >= fixed_load[r] + sum(variable.get(r, [])))
    return [problem.weights.balance * heaviest]
