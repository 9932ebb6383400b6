"""The ITC2007 runner: parsing, the independent checker, and a short solve of comp01."""
from pathlib import Path


from scheduler import itc2007

DATASETS = Path("/work/shared/datasets/itc2007")
TINY = """Name: Tiny
Courses: 2
Rooms: 2
Days: 2
Periods_per_day: 2
Curricula: 1
Constraints: 1

COURSES:
c1 t1 2 2 30
c2 t2 1 1 10

ROOMS:
rA 20
rB 40

CURRICULA:
q1 2 c1 c2

UNAVAILABILITY_CONSTRAINTS:
c2 0 0

END.
"""


def test_parse_and_check_count_every_hard_and_soft_constraint():
    instance = itc2007.parse(TINY)
    assert instance.courses["c1"] == ("t1", 2, 2, 30) and instance.rooms == {"rA": 20, "rB": 40}
    assert instance.curricula == {"q1": ["c1", "c2"]} and instance.unavailable == {("c2", 0, 0)}
    good = ["c1 rB 0 0", "c1 rB 1 0", "c2 rA 0 1"]
    hard, soft = itc2007.check(instance, good)
    assert sum(hard.values()) == 0
    # c2 at (0,1) sits next to c1 at (0,0); c1 at (1,0) is alone: 2 points.
    assert soft == {"RoomCapacity": 0, "MinimumWorkingDays": 0, "CurriculumCompactness": 2, "RoomStability": 0}
    bad = ["c1 rA 0 0", "c2 rA 0 0"]  # c1 short of a lecture, room and curriculum clash, c2 unavailable
    hard, soft = itc2007.check(instance, bad)
    assert hard == {"Lectures": 1, "RoomOccupancy": 1, "Conflicts": 1, "Availability": 1}
    assert soft["RoomCapacity"] == 10 and soft["MinimumWorkingDays"] == 5


def test_the_tiny_instance_is_solved_to_its_optimum(tmp_path):
    source = tmp_path / "tiny.ctt"
    source.write_text(TINY)
    out = tmp_path / "tiny.sol"
    assert itc2007.main([str(source), "--time-limit", "10", "--out", str(out), "--workers", "1"]) == 0
    hard, soft = itc2007.check(itc2007.parse(TINY), out.read_text().split("\n")[:-1])
    assert sum(hard.values()) == 0 and sum(soft.values()) == 2


def test_comp01_is_solved_feasibly_and_the_engine_cost_matches_the_checker(tmp_path, capsys):
    # The benchmark data ships with the workspace (../shared/datasets): missing is a failure.
    assert DATASETS.exists(), f"the ITC2007 instances are missing from {DATASETS}"
    out = tmp_path / "comp01.sol"
    code = itc2007.main([str(DATASETS / "comp01.ctt"), "--time-limit", "15", "--out", str(out), "--workers", "1"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "(total 0)" in printed.splitlines()[2]  # hard violations
    instance = itc2007.parse((DATASETS / "comp01.ctt").read_text())
    problem, labels = itc2007.to_problem(instance)
    lines = out.read_text().split("\n")[:-1]
    assert len(lines) == sum(c[1] for c in instance.courses.values())
    # The engine's own cost of that schedule equals the README's soft cost.
    from scheduler.domain.engine.evaluate import cost
    from scheduler.domain.engine.model import Placement
    rooms = {name.removeprefix("room:"): i for i, name in enumerate(problem.resources) if name.startswith("room:")}
    teacher_of = {i: s.needs[0].candidates[0] for i, s in enumerate(problem.sessions)}
    assignment, used = [None] * len(problem.sessions), set()
    for line in lines:
        course, room, day, period = line.split()
        i = next(i for i, (c, _) in enumerate(labels) if c == course and i not in used)
        used.add(i)
        assignment[i] = Placement(int(day) * instance.periods_per_day + int(period), (teacher_of[i], rooms[room]))
    _, soft = itc2007.check(instance, lines)
    assert cost(problem, assignment).total == sum(soft.values())
