"""Construct, then improve: the search that honours a time limit on any problem size.

A monolithic CP-SAT model of 1000 sessions finds nothing in minutes on two cores, so a
large problem is decomposed: a greedy pass places the sessions one by one (earliest windows
and hardest sessions first, a course's sessions together), then large neighbourhood search frees a few dozen related sessions at a time (unplaced ones and
their rivals, a stretch of time, one resource's sessions, a course and its groups) and lets
CP-SAT re-solve them warm-started from the current schedule, keeping any move that does not
cost more. A problem that fits in one chunk is solved exactly and may be proved optimal.
A larger timetable of unit-length sessions (periods and rooms, as in ITC2007) is improved
by simulated annealing instead (`anneal`): millions of cheap moves beat a few hundred
CP-SAT neighbourhoods there.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable

from scheduler.domain.engine.anneal import anneal, applicable
from scheduler.domain.engine.cpsat import solve_neighbourhood
from scheduler.domain.engine.evaluate import Cost, cost
from scheduler.domain.engine.greedy import construct
from scheduler.domain.engine.index import Index
from scheduler.domain.engine.model import Assignment, Problem


@dataclass
class Settings:
    chunk: int = 40  # a problem of at most this many sessions is also solved whole, exactly
    neighbourhood: int = 12  # sessions freed per improvement step (adapted as it goes)
    step_seconds: float = 0.5  # CP-SAT time per improvement step
    workers: int = 2
    seed: int = 0


@dataclass
class Result:
    assignment: Assignment
    status: str  # optimal | feasible | partial | infeasible
    cost: Cost
    bound: int
    iterations: int
    seconds: float
    history: list = field(default_factory=list)  # (seconds, total cost) at each improvement

    @property
    def objective(self) -> int:
        return self.cost.total


def lower_bound(problem: Problem) -> int:
    """Each session at its cheapest start with its cheapest resources (or unplaced, if
    that is cheaper): every soft term is non-negative, so no schedule costs less."""
    total = 0
    for session in problem.sessions:
        cheapest = min(session.start_costs) if session.start_costs else 0
        for need in session.needs:
            cheapest += sum(sorted(need.costs)[:need.count])
        total += min(cheapest, problem.weights.unplaced)
    return total


def construction_order(problem: Problem, index: Index) -> list[int]:
    """Earliest windows first, then the least flexible; a course's sessions stay together
    and a predecessor comes before its successor."""
    def key(i):
        session = problem.sessions[i]
        first = session.starts[0] // problem.day_length if session.starts else 0
        return (first, len(session.starts) * sum(len(n.candidates) for n in session.needs) or 0,
                -len(index.related(i)))

    course_key = {}
    for i in range(len(problem.sessions)):
        course = problem.sessions[i].course
        if course is not None:
            course_key[course] = min(course_key.get(course, key(i)), key(i))
    order = sorted(range(len(problem.sessions)),
                   key=lambda i: (course_key.get(problem.sessions[i].course, key(i)), key(i), i))
    placed, out = set(), []

    def visit(i):
        if i in placed:
            return
        placed.add(i)
        before = problem.sessions[i].after
        if before is not None:
            visit(before)
        out.append(i)

    for i in order:
        visit(i)
    return out


def solve(problem: Problem, time_limit: float, settings: Settings | None = None,
          on_progress: Callable[[dict, Assignment], None] | None = None,
          initial: Assignment | None = None) -> Result:
    settings = settings or Settings()
    began = time.monotonic()
    deadline = began + time_limit
    index = Index(problem)
    n = len(problem.sessions)
    bound = lower_bound(problem)
    assignment: Assignment = list(initial) if initial else [None] * n
    history: list = []
    rng = random.Random(settings.seed)
    proved = False

    def report(phase: str, iterations: int, current: Cost) -> None:
        if on_progress is not None:
            on_progress({"phase": phase, "elapsed_s": round(time.monotonic() - began, 2),
                         "placed": sum(p is not None for p in assignment), "total": n,
                         "objective": current.total, "bound": bound, "iterations": iterations},
                        assignment)

    if n == 0:
        return Result(assignment, "optimal", cost(problem, assignment), 0, 0, 0.0)

    # 1. Construction: a greedy schedule, then (small problems) an exact solve from it.
    order = construction_order(problem, index)
    if initial is None:
        assignment = construct(problem, index, order, assignment)
        report("construct", 0, cost(problem, assignment))
        if n > settings.chunk and applicable(problem):
            return _timetable(problem, index, assignment, began, deadline, bound, settings, report)
        if any(p is None for p in assignment) and n > settings.chunk:
            assignment = _repair(problem, index, assignment, deadline, settings, rng)
            report("repair", 0, cost(problem, assignment))
        if n <= settings.chunk:
            sub = solve_neighbourhood(index, assignment, list(range(n)), deadline - time.monotonic(),
                                      settings.workers, settings.seed)
            if sub.placements:
                trial = [sub.placements.get(i) for i in range(n)]
                if cost(problem, trial).total <= cost(problem, assignment).total:
                    assignment = trial
            if sub.status == "optimal":
                proved = True
                bound = cost(problem, assignment).total
    current = cost(problem, assignment)
    history.append((round(time.monotonic() - began, 3), current.total))

    # 2. Improvement by large neighbourhood search.
    size, iterations = settings.neighbourhood, 0
    while not proved and current.total > bound and deadline - time.monotonic() > 0.05:
        iterations += 1
        free, repairing = _neighbourhood(problem, index, assignment, min(size, n), rng)
        limit = min(settings.step_seconds, deadline - time.monotonic())
        sub = solve_neighbourhood(index, assignment, free, limit, settings.workers, rng.randrange(1 << 30),
                                  placement_only=repairing)
        if sub.placements:
            trial = list(assignment)
            for s, placement in sub.placements.items():
                trial[s] = placement
            trial_cost = cost(problem, trial)
            if trial_cost.total <= current.total:
                if trial_cost.total < current.total:
                    history.append((round(time.monotonic() - began, 3), trial_cost.total))
                assignment, current = trial, trial_cost
            if len(free) == n and sub.status == "optimal":
                proved, bound = True, current.total
        # Grow neighbourhoods CP-SAT closes easily, shrink the ones it cannot finish.
        if repairing:
            pass
        elif sub.status == "optimal" and sub.seconds < limit * 0.3:
            size = min(int(size * 1.1) + 1, settings.neighbourhood * 4, n)
        elif sub.status in ("feasible", "unknown"):
            size = max(6, int(size * 0.9))
        report("improve", iterations, current)

    placed = sum(p is not None for p in assignment)
    if placed == 0:
        status = "infeasible"
    elif placed < n:
        status = "partial"
    else:
        status = "optimal" if proved or current.total == bound else "feasible"
    return Result(assignment, status, current, bound, iterations, time.monotonic() - began, history)


def _timetable(problem: Problem, index: Index, assignment: Assignment, began: float, deadline: float, bound: int,
               settings: Settings, report) -> Result:
    """A timetable of unit-length sessions (see `anneal`): annealing from the greedy schedule
    (and, should that hold no conflict-free one soon, from CP-SAT's repair of it)."""
    history: list = []
    greedy = list(assignment)

    def on_improve(schedule, total):
        assignment[:] = schedule  # what `report` shows
        report("improve", 0, cost(problem, schedule))

    def repaired() -> Assignment:
        # Bounded: where the repair cannot place everything soon (comp06, comp07: not in
        # 30 s), annealing's next attempt will, and the time is better spent there.
        cap = min(deadline, time.monotonic() + 2 * REPAIR_FALLBACK_S)
        return _repair(problem, index, greedy, cap, settings, random.Random(settings.seed))

    best, moves = anneal(problem, list(assignment), deadline, settings.seed, began, history, on_improve,
                         restart_from=repaired if any(p is None for p in greedy) else None)
    assignment[:] = best
    current = cost(problem, best)
    placed = sum(p is not None for p in best)
    status = "infeasible" if placed == 0 else "partial" if placed < len(best) else (
        "optimal" if current.total == bound else "feasible")
    history = history or [(round(time.monotonic() - began, 3), current.total)]
    return Result(best, status, current, bound, moves, time.monotonic() - began, history)


REPAIR_ALL_UP_TO = 500  # sessions: below this a repair frees the whole problem
REPAIR_FALLBACK_S = 10.0  # at most this long to repair a timetable annealing got stuck on
REPAIR_NEIGHBOURHOOD = 200


def _repair(problem: Problem, index: Index, assignment: Assignment, deadline: float, settings: Settings,
            rng: random.Random) -> Assignment:
    """Place what the greedy pass could not: CP-SAT on a large neighbourhood (the whole
    problem when it is small enough) with only placement in the objective, which it solves
    far faster than the full objective; the improvement phase then recovers the soft cost."""
    n = len(problem.sessions)
    if n <= REPAIR_ALL_UP_TO:
        free = list(range(n))
    else:
        free, _ = _neighbourhood(problem, index, assignment, REPAIR_NEIGHBOURHOOD, rng, repair_only=True)
    limit = max(0.1, (deadline - time.monotonic()) * 0.5)
    sub = solve_neighbourhood(index, assignment, free, limit, settings.workers, settings.seed, placement_only=True)
    if not sub.placements:
        return assignment
    trial = list(assignment)
    for s, placement in sub.placements.items():
        trial[s] = placement
    return trial if cost(problem, trial).total <= cost(problem, assignment).total else assignment


def _neighbourhood(problem: Problem, index: Index, assignment: Assignment, size: int,
                   rng: random.Random, repair_only: bool = False) -> tuple[list[int], bool]:
    """(sessions to free, whether this is a repair of unplaced sessions)."""
    n = len(problem.sessions)
    unplaced = [i for i, p in enumerate(assignment) if p is None]
    chosen: set[int] = set()
    kind = rng.random()
    repairing = bool(unplaced) and (kind < 0.6 or len(unplaced) == n or repair_only)
    if repairing and repair_only:
        seeds = unplaced
        chosen.update(seeds[:size // 2])
        for seed in seeds:
            chosen.update(sorted(index.related(seed))[:8])
            if len(chosen) >= size:
                break
    elif repairing:
        # Repair: an unplaced session with its direct rivals first (groups, course, its sole
        # resources), then sessions holding its candidate resources inside its window.
        seed = rng.choice(unplaced)
        chosen.add(seed)
        direct = sorted(index.related(seed) - chosen)
        rng.shuffle(direct)
        chosen.update(direct[:max(0, size * 2 // 3)])
        window = problem.sessions[seed].starts
        if window and len(chosen) < size:
            lo, hi = window[0], window[-1] + problem.sessions[seed].duration
            holders = sorted({i for need in problem.sessions[seed].needs for r in need.candidates
                              for i in index.sessions_of_resource[r]
                              if assignment[i] is not None and r in assignment[i].resources
                              and lo <= assignment[i].start < hi} - chosen)
            chosen.update(rng.sample(holders, min(len(holders), size - len(chosen))))
    elif kind < 0.45 and problem.groups:
        # One group's sessions on two days, with what else runs in those days' times: lets
        # CP-SAT pack a group's sessions next to each other (compactness) and across days.
        group = problem.groups[rng.randrange(len(problem.groups))]
        days = sorted({assignment[i].start // problem.day_length for i in group if assignment[i] is not None})
        if days:
            picked = set(rng.sample(days, min(2, len(days))))
            members = [i for i in group if assignment[i] is not None
                       and assignment[i].start // problem.day_length in picked]
            chosen.update(members[:size])
            for i in members:
                chosen.update(sorted(index.related(i))[:2])
    elif kind < 0.75:
        placed = sorted((p.start, i) for i, p in enumerate(assignment) if p is not None)
        if placed:
            first = rng.randrange(max(1, len(placed) - size + 1))
            chosen.update(i for _, i in placed[first:first + size])
    elif kind < 0.9:
        used = sorted({r for p in assignment if p is not None for r in p.resources})
        if used:
            r = rng.choice(used)
            on_r = [i for i, p in enumerate(assignment) if p is not None and r in p.resources]
            chosen.update(rng.sample(on_r, min(len(on_r), size // 2)))
    # Fill up (and the "related" kind): walk courses, groups and orderings from random seeds.
    frontier = list(chosen) or [rng.randrange(n)]
    while len(chosen) < size:
        if not frontier:
            frontier = [rng.randrange(n)]
        s = frontier.pop(rng.randrange(len(frontier)))
        if s not in chosen:
            chosen.add(s)
        near = sorted(index.related(s) - chosen)
        rng.shuffle(near)
        frontier.extend(near[:8])
    return sorted(chosen), repairing
