"""ITC2007 track 3 (curriculum-based course timetabling) on the scheduler's engine.

    python -m scheduler.itc2007 comp01.ctt --time-limit 60 --out comp01.sol

An instance maps into the engine's model as the service's requests do: each lecture is a
session of one period needing its course's teacher (a fixed resource) and one room (any
facility; seats short of the course's students cost one point each), curricula are groups
whose sessions must not overlap, unavailable periods are removed from a course's starts.
The soft terms are the engine's own: spread over days (5 per missing working day), resource
stability (1 per extra room) and group compactness (2 per isolated lecture). Lectures last
one period, so the engine's search anneals the greedy schedule (`engine.anneal`).

The checker below is independent of the engine: it reads the written solution back and
computes hard violations and the soft cost exactly as the instance folder's README defines.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

from scheduler.domain.engine.model import Need, Problem, Session, Weights
from scheduler.domain.engine.search import Settings, solve


@dataclass
class Instance:
    name: str
    days: int
    periods_per_day: int
    courses: dict  # course -> (teacher, lectures, min_days, students)
    rooms: dict  # room -> capacity
    curricula: dict  # curriculum -> [course]
    unavailable: set  # (course, day, period)


def parse(text: str) -> Instance:
    header, sections, current = {}, defaultdict(list), None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "END.":
            continue
        if line.endswith(":") and line[:-1].isupper():
            current = line[:-1]
            continue
        if current is None:
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
        else:
            sections[current].append(line.split())
    courses = {c: (t, int(n), int(m), int(s)) for c, t, n, m, s in sections["COURSES"]}
    rooms = {r: int(cap) for r, cap in sections["ROOMS"]}
    curricula = {parts[0]: parts[2:2 + int(parts[1])] for parts in sections["CURRICULA"]}
    unavailable = {(c, int(d), int(p)) for c, d, p in sections["UNAVAILABILITY_CONSTRAINTS"]}
    return Instance(header["Name"], int(header["Days"]), int(header["Periods_per_day"]), courses, rooms,
                    curricula, unavailable)


def to_problem(instance: Instance) -> tuple[Problem, list[tuple[str, int]]]:
    """The engine's problem, and for each session its (course, lecture number)."""
    teachers = sorted({t for t, _, _, _ in instance.courses.values()})
    rooms = sorted(instance.rooms)
    resources = [f"teacher:{t}" for t in teachers] + [f"room:{r}" for r in rooms]
    teacher_index = {t: i for i, t in enumerate(teachers)}
    room_indices = [len(teachers) + i for i in range(len(rooms))]
    periods = instance.days * instance.periods_per_day
    sessions, labels, by_course = [], [], defaultdict(list)
    for course, (teacher, lectures, _, students) in instance.courses.items():
        starts = [p for p in range(periods) if (course, p // instance.periods_per_day,
                                                 p % instance.periods_per_day) not in instance.unavailable]
        room_costs = [max(0, students - instance.rooms[r]) for r in rooms]
        for lecture in range(lectures):
            by_course[course].append(len(sessions))
            labels.append((course, lecture))
            sessions.append(Session(
                key=f"{course}#{lecture}", duration=1, starts=starts, start_costs=[],
                needs=[Need(1, [teacher_index[teacher]], [0]), Need(1, list(room_indices), room_costs)],
                course=course))
    groups = [[s for course in members for s in by_course[course]] for members in instance.curricula.values()]
    problem = Problem(
        resources=resources, sessions=sessions, day_length=instance.periods_per_day, groups=groups,
        min_days={c: m for c, (_, _, m, _) in instance.courses.items()},
        weights=Weights(unplaced=10_000, spread=5, stability=1, compactness=2))
    return problem, labels


def solution_lines(instance: Instance, problem: Problem, labels, assignment) -> list[str]:
    lines = []
    for (course, _), placement in zip(labels, assignment):
        if placement is None:
            continue
        room = problem.resources[placement.resources[1]].removeprefix("room:")
        day, period = divmod(placement.start, instance.periods_per_day)
        lines.append(f"{course} {room} {day} {period}")
    return lines


def check(instance: Instance, lines: list[str]) -> tuple[dict, dict]:
    """(hard violations by constraint, soft cost by constraint) of a solution in ITC format."""
    lectures = [line.split() for line in lines]
    hard = {"Lectures": 0, "RoomOccupancy": 0, "Conflicts": 0, "Availability": 0}
    placed = defaultdict(list)  # course -> [(room, day, period)]
    for course, room, day, period in lectures:
        placed[course].append((room, int(day), int(period)))
    for course, (_, count, _, _) in instance.courses.items():
        periods = [(d, p) for _, d, p in placed[course]]
        hard["Lectures"] += abs(count - len(periods)) + (len(periods) - len(set(periods)))
    by_room_period = defaultdict(int)
    for course, slots in placed.items():
        for room, d, p in slots:
            by_room_period[(room, d, p)] += 1
            if (course, d, p) in instance.unavailable:
                hard["Availability"] += 1
    hard["RoomOccupancy"] = sum(n - 1 for n in by_room_period.values() if n > 1)
    courses = sorted(placed)
    curricula_of = defaultdict(set)
    for curriculum, members in instance.curricula.items():
        for course in members:
            curricula_of[course].add(curriculum)
    for i, a in enumerate(courses):
        for b in courses[i + 1:]:
            same_teacher = instance.courses[a][0] == instance.courses[b][0]
            if not (same_teacher or curricula_of[a] & curricula_of[b]):
                continue
            times_b = defaultdict(int)
            for _, d, p in placed[b]:
                times_b[(d, p)] += 1
            hard["Conflicts"] += sum(times_b[(d, p)] for _, d, p in placed[a])
    soft = {"RoomCapacity": 0, "MinimumWorkingDays": 0, "CurriculumCompactness": 0, "RoomStability": 0}
    for course, slots in placed.items():
        _, _, min_days, students = instance.courses[course]
        soft["RoomCapacity"] += sum(max(0, students - instance.rooms[room]) for room, _, _ in slots)
        soft["MinimumWorkingDays"] += 5 * max(0, min_days - len({d for _, d, _ in slots}))
        soft["RoomStability"] += len({room for room, _, _ in slots}) - 1
    for members in instance.curricula.values():
        times = {(d, p) for course in members for _, d, p in placed[course]}
        for course in members:
            for _, d, p in placed[course]:
                if (d, p - 1) not in times and (d, p + 1) not in times:
                    soft["CurriculumCompactness"] += 2
    return hard, soft


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scheduler.itc2007", description=__doc__.split("\n\n")[0])
    parser.add_argument("instance")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--out", help="solution file (ITC format); default: <instance>.sol")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--progress", action="store_true", help="print the cost as it improves")
    args = parser.parse_args(argv)
    with open(args.instance) as handle:
        instance = parse(handle.read())
    problem, labels = to_problem(instance)
    began = time.monotonic()
    last = [0.0]

    def progress(info, _assignment):
        if args.progress and time.monotonic() - last[0] > 5:
            last[0] = time.monotonic()
            print(f"  {info['elapsed_s']:7.1f}s {info['phase']:9s} placed {info['placed']}/{info['total']} "
                  f"cost {info['objective']}", file=sys.stderr)

    result = solve(problem, args.time_limit, Settings(seed=args.seed, workers=args.workers), progress)
    lines = solution_lines(instance, problem, labels, result.assignment)
    out = args.out or args.instance.rsplit(".", 1)[0] + ".sol"
    with open(out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    hard, soft = check(instance, lines)
    first_feasible = next((t for t, c in result.history if c < problem.weights.unplaced), None)
    print(f"instance {instance.name}: {len(lines)} lectures written to {out}")
    print(f"time {time.monotonic() - began:.1f}s (limit {args.time_limit:g}s), iterations {result.iterations}, "
          f"first feasible at {first_feasible if first_feasible is not None else '-'}s")
    print("hard violations: " + ", ".join(f"{k} {v}" for k, v in hard.items()) + f" (total {sum(hard.values())})")
    print("soft cost: " + ", ".join(f"{k} {v}" for k, v in soft.items()) + f" (total {sum(soft.values())})")
    return 0 if sum(hard.values()) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
