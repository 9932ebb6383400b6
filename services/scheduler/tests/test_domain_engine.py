"""The engine on hand-made problems: hard constraints hold, soft terms pull the right way,
the decomposed search places everything on a larger instance."""
import random

from scheduler.domain.engine.evaluate import cost, violations
from scheduler.domain.engine.model import Need, Placement, Problem, Session, Weights
from scheduler.domain.engine.search import Settings, lower_bound, solve

DAY = 10  # time units per day in these problems


def session(key, starts, needs, duration=2, course=None, after=None, costs=None):
    return Session(key, duration, list(starts), costs or [], needs, course, after)


def test_a_small_problem_is_solved_exactly_without_double_booking():
    # Two sessions, one teacher (0), two rooms (1 cheap, 2 dear), starts 0..8 of one day.
    needs = lambda: [Need(1, [0], [0]), Need(1, [1, 2], [0, 5])]  # noqa: E731
    problem = Problem(resources=["t", "r1", "r2"], day_length=DAY,
                      sessions=[session("a", range(0, 9), needs(), costs=list(range(9))),
                                session("b", range(0, 9), needs(), costs=list(range(9)))])
    result = solve(problem, 10, Settings(workers=1))
    assert result.status == "optimal"
    assert violations(problem, result.assignment) == []
    starts = sorted(p.start for p in result.assignment)
    assert starts == [0, 2]  # the teacher does one, then the other, as early as possible
    assert all(p.resources[1] == 1 for p in result.assignment)  # the cheaper room both times
    assert result.cost.total == 2 and result.bound == 2


def test_blocked_time_groups_and_ordering_are_hard():
    problem = Problem(resources=["t1", "t2"], day_length=DAY, blocked={0: [(0, 4)]},
                      groups=[[0, 1]],
                      sessions=[session("first", range(0, 9), [Need(1, [0], [0])]),
                                session("second", range(0, 9), [Need(1, [1], [0])], after=0)])
    result = solve(problem, 10, Settings(workers=1))
    first, second = result.assignment
    assert first.start >= 4  # teacher 0 is blocked before 4
    assert second.start >= first.start + 2  # after the first, and never overlapping (group)
    assert violations(problem, result.assignment) == []
    assert violations(problem, [Placement(0, (0,)), Placement(1, (1,))])  # the checker sees the clash


def test_what_cannot_be_placed_stays_unplaced_and_the_status_says_partial():
    problem = Problem(resources=["room"], day_length=DAY,
                      sessions=[session(k, [0], [Need(1, [0], [0])]) for k in "ab"])
    result = solve(problem, 5, Settings(workers=1))
    assert result.status == "partial"
    assert sorted(p is None for p in result.assignment) == [False, True]
    nothing = Problem(resources=[], day_length=DAY, sessions=[session("x", [], [Need(1, [], [])])])
    assert solve(nothing, 2, Settings(workers=1)).status == "infeasible"


def test_courses_spread_over_days_and_keep_their_room():
    needs = lambda: [Need(1, [0, 1], [0, 0])]  # noqa: E731
    sessions = [session(f"s{n}", range(0, 3 * DAY - 2), needs(), course="c") for n in range(3)]
    problem = Problem(resources=["r1", "r2"], day_length=DAY, sessions=sessions, groups=[[0, 1, 2]],
                      min_days={"c": 3}, weights=Weights(spread=10, stability=5))
    result = solve(problem, 10, Settings(workers=1))
    assert {p.start // DAY for p in result.assignment} == {0, 1, 2}
    assert len({p.resources[0] for p in result.assignment}) == 1
    assert result.cost.total == 0 == lower_bound(problem)


def generated(sessions: int, seed: int = 3) -> Problem:
    """Teachers (one subject each) and rooms over 10 days of 8 hours; half-day sessions."""
    rng = random.Random(seed)
    teachers, rooms = 12, 6
    out = []
    for n in range(sessions):
        subject = rng.randrange(4)
        qualified = [t for t in range(teachers) if t % 4 == subject]
        first = rng.randrange(0, 5) * 8
        starts = [d * 8 + h for d in range(first // 8, first // 8 + 5) for h in (0, 4)]
        out.append(session(f"s{n}", starts, [Need(1, qualified, [0] * len(qualified)),
                                              Need(1, list(range(teachers, teachers + rooms)), [0] * rooms)],
                           duration=4, costs=[s - starts[0] for s in starts]))
    return Problem(resources=[f"r{i}" for i in range(teachers + rooms)], day_length=8, sessions=out)


def test_a_larger_problem_goes_through_construction_and_neighbourhood_search():
    problem = generated(90)
    seen = []
    result = solve(problem, 8, Settings(workers=1), on_progress=lambda info, _: seen.append(info["phase"]))
    assert violations(problem, result.assignment) == []
    assert result.status in ("feasible", "optimal")
    assert "construct" in seen
    assert result.history[-1][1] <= result.history[0][1]  # never worse than the first schedule
    assert lower_bound(problem) <= result.cost.total == cost(problem, result.assignment).total
