"""Annealing on timetables of unit-length sessions: its incremental cost is the engine's
cost, its answers keep every hard constraint, and the search takes that path only for
problems of that shape."""
import random
import time

from scheduler.domain.engine.anneal import Annealer, anneal, applicable
from scheduler.domain.engine.evaluate import cost, violations
from scheduler.domain.engine.model import Need, Problem, Session, Weights
from scheduler.domain.engine.search import Settings, solve

DAY = 4


def timetable(seed: int = 1, courses: int = 24, teachers: int = 10, rooms: int = 5, days: int = 5) -> Problem:
    """Courses of 1 to 4 lectures, each with a fixed teacher; rooms with costs; curricula of
    2 to 4 courses; some periods unavailable per course; one room blocked on day 0."""
    rng = random.Random(seed)
    periods = days * DAY
    sessions, by_course = [], []
    for c in range(courses):
        starts = sorted(rng.sample(range(periods), periods - rng.randrange(0, 4)))
        costs = [rng.choice([0, 0, 3, 10]) for _ in range(rooms)]
        members = []
        for lecture in range(rng.randint(1, 4)):
            members.append(len(sessions))
            sessions.append(Session(f"c{c}#{lecture}", 1, starts, [], [
                Need(1, [c % teachers], [0]), Need(1, list(range(teachers, teachers + rooms)), costs)],
                course=f"c{c}"))
        by_course.append(members)
    groups = []
    for _ in range(courses // 3):
        picked = rng.sample(range(courses), rng.randint(2, 4))
        groups.append([s for c in picked for s in by_course[c]])
    return Problem(resources=[f"t{t}" for t in range(teachers)] + [f"r{r}" for r in range(rooms)],
                   sessions=sessions, day_length=DAY, groups=groups,
                   blocked={teachers: [(0, DAY)]},
                   min_days={f"c{c}": min(3, len(by_course[c])) for c in range(courses)},
                   weights=Weights(unplaced=10_000, spread=5, stability=1, compactness=2))


def test_the_incremental_cost_is_the_engine_cost_after_any_moves_and_swaps_and_is_priced_ahead():
    problem = timetable()
    annealer = Annealer(problem, [None] * len(problem.sessions), seed=0)
    rng, checked = random.Random(2), 0
    for _ in range(3000):
        i = rng.randrange(annealer.n)
        t1, r1 = annealer.period[i], annealer.room[i]
        t2, r2 = rng.choice(annealer.allowed[i]), rng.choice(annealer.candidates[i])
        j = annealer.occupant[r2 * annealer.P + t2]
        if j in (-2, i) or (j >= 0 and not annealer.allowed_flag[j][t1]):
            continue
        independent = (t1 // DAY != t2 // DAY or abs(t1 - t2) > 2) and (j < 0 or j not in annealer.conflict_mates[i])
        if independent:
            priced = [annealer.delta(i, t2, r2)] + ([annealer.delta(j, t1, r1)] if j >= 0 else [])
            before = (annealer.hard, annealer.soft)
        for dh, ds in [annealer.remove(i)] + ([annealer.remove(j)] if j >= 0 else []) + [
                annealer.add(i, t2, r2)] + ([annealer.add(j, t1, r1)] if j >= 0 else []):
            annealer.hard += dh
            annealer.soft += ds
        if independent:
            assert (annealer.hard - before[0], annealer.soft - before[1]) == tuple(map(sum, zip(*priced)))
            checked += 1
        schedule = annealer.assignment()
        assert annealer.soft == cost(problem, schedule).total  # everything placed: all soft
        clashes = annealer.hard > 0
        assert bool(violations(problem, schedule)) == clashes
    assert annealer.unplaced == 0 and checked > 1000


def test_annealing_keeps_every_hard_constraint_and_never_makes_the_schedule_worse():
    problem = timetable(seed=4)
    start = [None] * len(problem.sessions)
    greedy = Annealer(problem, start, seed=0)
    assert greedy.unplaced == 0
    best, moves = anneal(problem, start, time.monotonic() + 2, seed=0)
    assert moves > 1000
    assert all(p is not None for p in best) and violations(problem, best) == []
    assert cost(problem, best).total < greedy.soft or greedy.hard > 0


def test_solve_anneals_timetables_and_keeps_the_neighbourhood_search_for_the_rest():
    problem = timetable(seed=5, courses=30)
    assert applicable(problem) and len(problem.sessions) > Settings().chunk
    result = solve(problem, 3, Settings(workers=1))
    assert result.status in ("feasible", "optimal") and violations(problem, result.assignment) == []
    assert result.iterations > 1000  # annealing moves, not CP-SAT steps
    assert result.history and result.history[-1][1] == result.cost.total
    longer = Problem(**{**problem.__dict__, "sessions": [
        Session(s.key, 2, s.starts, [], s.needs, s.course) for s in problem.sessions]})
    assert not applicable(longer)
    shared = Problem(**{**problem.__dict__, "blocked": {}, "sessions": [
        Session(s.key, 1, s.starts, [], [Need(1, [0], [0]), Need(1, [0, 1], [0, 0])], s.course)
        for s in problem.sessions]})
    assert not applicable(shared)  # a resource both fixed and chosen: the general search


def test_a_search_holding_no_conflict_free_schedule_starts_again_from_the_fallback_once(monkeypatch):
    from scheduler.domain.engine import anneal as annealing
    monkeypatch.setattr(annealing, "RESTART_AFTER_S", 0.05)
    # Two lectures of one teacher that may only start in period 0: never conflict-free.
    lecture = [Need(1, [0], [0]), Need(1, [1, 2], [0, 0])]
    problem = Problem(resources=["t0", "r1", "r2"], day_length=DAY, groups=[], blocked={}, min_days={},
                      sessions=[Session("a", 1, [0], [], lecture, course="a"),
                                Session("b", 1, [0], [], lecture, course="b")],
                      weights=Weights(unplaced=10_000, spread=5, stability=1, compactness=2))
    start = [None, None]
    fallbacks = []

    def fallback():
        fallbacks.append(time.monotonic())
        return start

    began = time.monotonic()
    best, moves = anneal(problem, start, began + 1.0, seed=0, restart_from=fallback)
    assert time.monotonic() - began < 1.5  # the deadline holds across attempts
    assert len(fallbacks) == 1 and fallbacks[0] - began >= 0.05  # after the first attempt only
    assert best == start and moves > 0  # nothing conflict-free: the given schedule back


def test_when_annealing_is_stuck_the_fallback_schedule_is_where_the_next_attempt_starts(monkeypatch):
    from scheduler.domain.engine import anneal as annealing
    monkeypatch.setattr(annealing, "RESTART_AFTER_S", 0.05)
    problem = timetable(seed=4)
    good, _ = anneal(problem, [None] * len(problem.sessions), time.monotonic() + 1, seed=0)
    assert violations(problem, good) == []
    # A first attempt that gives up holding nothing conflict-free, then one that must start
    # from the fallback: a conflict-free schedule.
    original_run = annealing.Annealer.run
    attempts = []

    def run(self, deadline, **options):
        attempts.append((options.get("give_up"), self.assignment(), self.hard))
        if len(attempts) == 1:
            self.moves = 0
            return None  # as if stuck until it gave up
        return original_run(self, deadline, **options)

    monkeypatch.setattr(annealing.Annealer, "run", run)
    best, _ = anneal(problem, [None] * len(problem.sessions), time.monotonic() + 1, seed=0,
                     restart_from=lambda: good)
    assert len(attempts) == 2 and attempts[0][0] is not None
    assert attempts[1][1] == good and attempts[1][2] == 0
    assert violations(problem, best) == [] and cost(problem, best).total <= cost(problem, good).total
