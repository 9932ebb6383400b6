"""Generated training-company instances solved by the scheduler's batch engine: 100, 300
and 1000 sessions (courses of 1 to 5 sessions, teachers rated per subject in two time
zones, rooms with seats and projectors, windows of two to three weeks, existing bookings),
each within its time limit; plus an instance that cannot be met, to show its reasons.

    .venv/bin/python bench/scheduler_training.py --repeats 3
    .venv/bin/python bench/scheduler_training.py --sizes 1000:60 --repeats 1

It calls `scheduler.domain.batch.solve_batch`, what the service's solver process runs, in
this process; the check of each result is independent of the engine: every request placed
once, each resource's calendar (working hours in its zone, time off, existing bookings)
honoured, requirements met, nobody double booked, sessions of a course in order.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta, timezone

from scheduler.domain.batch import BatchRequest, solve_batch
from scheduler.domain.calendars import covers, free_intervals
from scheduler.domain.engine.search import Settings
from scheduler.domain.requirements import Requirement, ResourceView, matches

SUBJECTS = ["crm", "sales", "marketing", "service", "python", "sql", "excel", "finance"]
ZONES = ["Europe/Paris", "Europe/London"]
START = datetime(2027, 1, 4, tzinfo=timezone.utc)  # a Monday


def generate(sessions: int, seed: int, impossible: bool = False):
    rng = random.Random(seed)
    weeks = max(4, sessions // 100)
    hours = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
    teachers = [{"id": f"t{n}", "name": f"Teacher {n}", "kind": "user", "capacity": 1, "timezone": rng.choice(ZONES),
                 "working_hours": hours, "features": [],
                 "characteristics": [{"name": s, "rating": rng.randint(2, 5)} for s in rng.sample(SUBJECTS, 3)],
                 "time_off": []} for n in range(max(8, sessions // 15))]
    for n, subject in enumerate(SUBJECTS):  # every subject has at least two qualified teachers
        for teacher in (teachers[(2 * n) % len(teachers)], teachers[(2 * n + 1) % len(teachers)]):
            teacher["characteristics"] = [c for c in teacher["characteristics"] if c["name"] != subject] + \
                [{"name": subject, "rating": 4}]
    # A real company's rooms: mostly small and mid-sized, one in three large.
    rooms = [{"id": f"r{n}", "name": f"Room {n}", "kind": "facility", "capacity": rng.choice([12, 16, 20, 30, 40, 40]),
              "timezone": "Europe/Paris", "working_hours": hours, "characteristics": [],
              "features": ["projector"] if rng.random() < 0.7 else [], "time_off": []} for n in range(max(6, sessions // 20))]
    for teacher in teachers:  # a week of holiday for one teacher in four
        if rng.random() < 0.25:
            off = START + timedelta(weeks=rng.randrange(weeks))
            teacher["time_off"] = [{"start": off.isoformat(), "end": (off + timedelta(days=5)).isoformat()}]
    busy = []  # existing bookings: a morning here and there
    for resource in teachers + rooms:
        for offset in sorted(set(rng.randrange(weeks * 7) for _ in range(weeks))):
            day = START + timedelta(days=offset)
            busy.append((resource["id"], day.replace(hour=9), day.replace(hour=12)))
    services = {}
    requests = []
    course = 0
    while len(requests) < sessions:
        subject = rng.choice(SUBJECTS)
        minutes = rng.choice([120, 180])
        key = (subject, minutes)
        services.setdefault(key, {"id": f"s-{subject}-{minutes}", "name": f"{subject} {minutes}",
                                  "duration_minutes": minutes, "slot_minutes": 60, "requirements": [
                                      {"count": 1, "kind": "user", "characteristics": [{"name": subject, "min_rating": 3}]},
                                      {"count": 1, "kind": "facility", "features": ["projector"],
                                       "min_capacity": "attendees"}]})
        attendees = 80 if impossible and course == 0 else int(rng.triangular(6, 30, 12))
        first_week = rng.randrange(max(1, weeks - 2))
        window = {"start": START + timedelta(weeks=first_week),
                  "end": START + timedelta(weeks=first_week + rng.choice([2, 3]))}
        count = min(rng.randint(1, 5), sessions - len(requests))
        for k in range(count):
            requests.append({"id": f"c{course}s{k}", "service": services[key], "attendees": attendees,
                             "window": window, "course": f"c{course}" if count > 1 else None,
                             "not_before_request": f"c{course}s{k - 1}" if k else None,
                             "preferred_resource_ids": []})
        course += 1
    return [BatchRequest.from_dict(r) for r in requests], teachers + rooms, busy


def check(requests, resources, busy, result) -> list[str]:
    """Independent of the engine: hard rules over the returned assignments."""
    problems, by_id = [], {r["id"]: r for r in resources}
    views = {r["id"]: ResourceView.from_record(r) for r in resources}
    placed = {a["request_id"]: a for a in result["assignments"]}
    unplaced = {u["request_id"] for u in result["unassigned"]}
    if set(placed) | unplaced != {r.id for r in requests} or set(placed) & unplaced:
        problems.append("requests lost or answered twice")
    spans = [(rid, s, e) for rid, s, e in busy]
    for request in requests:
        a = placed.get(request.id)
        if a is None:
            continue
        if not (request.window[0] <= a["start"] and a["end"] <= request.window[1]):
            problems.append(f"{request.id} outside its window")
        needs = [Requirement.from_dict(q) for q in request.service["requirements"]]
        if not all(matches(views[rid], need, request.attendees) for rid, need in zip(a["resource_ids"], needs)):
            problems.append(f"{request.id}: a resource does not meet its requirement")
        for rid in a["resource_ids"]:
            if not covers(free_intervals(by_id[rid], a["start"], a["end"]), a["start"], a["end"]):
                problems.append(f"{request.id}: {rid} not working then")
            spans.append((rid, a["start"], a["end"]))
        if request.not_before and request.not_before in placed and placed[request.not_before]["end"] > a["start"]:
            problems.append(f"{request.id} before its predecessor")
    spans.sort()
    for (r1, s1, e1), (r2, s2, e2) in zip(spans, spans[1:]):
        if r1 == r2 and s2 < e1:
            problems.append(f"{r1} double booked at {s2}")
    return problems


def run(sessions: int, limit: float, seed: int, workers: int, impossible: bool = False) -> dict:
    requests, resources, busy = generate(sessions, seed, impossible)
    began = time.monotonic()
    first_full = []

    def progress(info, _best):
        if info["placed"] == info["total"] and not first_full:
            first_full.append(time.monotonic() - began)

    result = solve_batch(requests, resources, [], busy, limit, settings=Settings(workers=workers, seed=seed),
                         on_progress=progress)
    return {"seconds": time.monotonic() - began, "status": result["status"], "objective": result["objective"],
            "placed": len(result["assignments"]), "violations": check(requests, resources, busy, result),
            "first_full_s": first_full[0] if first_full else None, "unassigned": result["unassigned"],
            "resources": len(resources)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", default=["100:5", "300:20", "1000:60"], help="SESSIONS:SECONDS")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.repeats} run(s) per size (seeds 0..), {args.workers} CP-SAT worker(s)")
    print("| sessions | resources | limit s | placed (each run) | hard violations | status | first full schedule, "
          "median s | wall, median s | objective, median |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        sessions, limit = (int(part) if n == 0 else float(part) for n, part in enumerate(size.split(":")))
        runs = [run(sessions, limit, seed, args.workers) for seed in range(args.repeats)]
        firsts = [r["first_full_s"] for r in runs if r["first_full_s"] is not None]
        first = f"{statistics.median(firsts):.1f}" if len(firsts) == len(runs) else "not all"
        print(f"| {sessions} | {runs[0]['resources']} | {limit:g} | {', '.join(str(r['placed']) for r in runs)} "
              f"| {sum(len(r['violations']) for r in runs)} | {', '.join(sorted({r['status'] for r in runs}))} "
              f"| {first} | {statistics.median(r['seconds'] for r in runs):.1f} "
              f"| {statistics.median(r['objective'] for r in runs):g} |", flush=True)
        for r in runs:
            for problem in r["violations"][:5]:
                print(f"  violation: {problem}")
    impossible = run(100, 5, 0, args.workers, impossible=True)
    print(f"\nInfeasible instance (one course of 80 attendees; the largest room seats 40): status "
          f"{impossible['status']}, {impossible['placed']}/100 placed, hard violations {len(impossible['violations'])}")
    for item in impossible["unassigned"][:3]:
        print(f"  {item['request_id']}: {'; '.join(item['reasons'])}")


if __name__ == "__main__":
    main()
