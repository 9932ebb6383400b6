"""Availability search over 50 resources and a 4-week window: how long one answer takes.

    .venv/bin/python bench/scheduler_availability.py --repeats 50

Two measurements, medians over the repeats:
- the search itself (`scheduler.planning`'s rules without the database: calendars of 50
  resources in three time zones with time off and bookings, then the slot search), for a
  query with slots early on, one whose first slot is in the last week, and one with none;
- the same queries end to end over nameko RPC to a real scheduler process on a fresh
  database (reading 50 resources and their bookings each time), as the gateway calls it.
"""
from crmkit import green

green.patch()  # nameko's standalone RPC client below; before anything opens a socket

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402

from crmkit.testing import infra  # noqa: E402

START = datetime(2027, 3, 1, tzinfo=timezone.utc)  # a Monday
WINDOW = (START, START + timedelta(weeks=4))
ZONES = ["Europe/Paris", "Europe/London", "America/New_York"]
HOURS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


def company(seed: int = 1):
    """25 teachers and 25 rooms; every resource has bookings most days and some time off."""
    rng = random.Random(seed)
    resources, bookings = [], []
    for n in range(25):
        resources.append({"name": f"Teacher {n}", "kind": "user", "timezone": rng.choice(ZONES), "working_hours": HOURS,
                          "characteristics": [{"name": "crm", "rating": rng.randint(1, 5)},
                                              {"name": "sql", "rating": rng.randint(1, 5)}]})
        resources.append({"name": f"Room {n}", "kind": "facility", "capacity": rng.choice([8, 12, 20, 30]),
                          "features": ["projector"] if n % 3 else [], "timezone": "Europe/Paris", "working_hours": HOURS})
    for resource in resources:
        off = START + timedelta(days=rng.randrange(28))
        resource["time_off"] = [{"start": off.isoformat(), "end": (off + timedelta(days=2)).isoformat()}]
    for index in range(len(resources)):
        for day in range(28):
            if rng.random() < 0.6:
                start = START + timedelta(days=day, hours=rng.choice([8, 9, 10, 13, 14]))
                bookings.append((index, start, start + timedelta(hours=2)))
    return resources, bookings


SERVICE = {"name": "CRM course", "duration_minutes": 180, "slot_minutes": 30, "requirements": [
    {"kind": "user", "characteristics": [{"name": "crm", "min_rating": 3}]},
    {"kind": "facility", "features": ["projector"], "min_capacity": "attendees"}]}
QUERIES = {  # name -> (attendees, window start offset)
    "slots early": (12, timedelta(0)),
    "first slot in week 4": (12, timedelta(days=22)),
    "none (35 seats)": (35, timedelta(0)),
}


def domain_times(repeats: int) -> dict:
    from scheduler.domain import availability
    from scheduler.domain.calendars import free_intervals
    from scheduler.domain.requirements import Requirement, ResourceView

    records, bookings = company()
    records = [r | {"id": f"res{n}", "capacity": r.get("capacity", 1), "features": r.get("features", []),
                    "characteristics": r.get("characteristics", [])} for n, r in enumerate(records)]
    busy = {}
    for index, s, e in bookings:
        busy.setdefault(records[index]["id"], []).append((s, e))
    out = {}
    for name, (attendees, offset) in QUERIES.items():
        window = (WINDOW[0] + offset, WINDOW[1])
        samples, answer = [], None
        for _ in range(repeats):
            began = time.perf_counter()
            views = [ResourceView.from_record(r) for r in records]
            free = {r["id"]: free_intervals(r, *window, busy.get(r["id"], ())) for r in records}
            answer = availability.search(availability.Search(
                timedelta(minutes=180), tuple(Requirement.from_dict(q) for q in SERVICE["requirements"]), attendees,
                window, 10, timedelta(minutes=30)), views, free)
            samples.append(time.perf_counter() - began)
        out[name] = (statistics.median(samples) * 1000, len(answer.slots), answer.reasons)
    return out


def rpc_times(repeats: int) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    servers = infra.find_servers()
    vhost = infra.unique_name("bench-scheduler")
    infra.create_vhost(servers.management_url, vhost)
    database = infra.unique_name("bench_scheduler")
    amqp = infra.amqp_uri_for_vhost(servers.amqp_uri, vhost)
    env = {**os.environ, "CRM_AMQP_URI": amqp, "CRM_LOG_FORMAT": "text",
           "CRM_SCHEDULER_DATABASE_URL": infra.database_url(servers.postgres_url, database)}
    log = tempfile.NamedTemporaryFile(prefix="scheduler-bench-", suffix=".log", delete=False)
    subprocess.run([sys.executable, "-m", "scheduler", "migrate"], env=env, check=True, stdout=log, stderr=log)
    process = subprocess.Popen([sys.executable, "-m", "scheduler", "run"], env=env, stdout=log, stderr=log)
    out = {}
    try:
        with ClusterRpcProxy({"AMQP_URI": amqp}, timeout=30) as cluster:
            rpc = cluster.scheduler
            deadline = time.monotonic() + 60
            while True:
                try:
                    rpc.health()
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            records, bookings = company()
            made = [rpc.create_resource(r) for r in records]
            service = rpc.create_service(SERVICE)
            _insert_bookings(env["CRM_SCHEDULER_DATABASE_URL"], service["id"], made, bookings)
            for name, (attendees, offset) in QUERIES.items():
                query = {"service_id": service["id"], "attendees": attendees, "limit": 10,
                         "window": {"start": (WINDOW[0] + offset).isoformat(), "end": WINDOW[1].isoformat()}}
                samples, answer = [], None
                for _ in range(repeats):
                    began = time.perf_counter()
                    answer = rpc.find_availability(query)
                    samples.append(time.perf_counter() - began)
                out[name] = (statistics.median(samples) * 1000, len(answer["slots"]), answer["reasons"])
    finally:
        process.terminate()
        process.wait(timeout=30)
        infra.drop_database(servers.postgres_url, database)
        infra.delete_vhost(servers.management_url, vhost)
    return out


def _insert_bookings(url, service_id, resources, bookings):
    """Bookings as the service stores them (booking + slot rows), skipping overlaps."""
    import uuid

    from psycopg.types.range import Range
    from sqlalchemy import create_engine, insert

    from scheduler.db import booking_slots, bookings as table

    engine = create_engine(url)
    taken = {}
    with engine.begin() as conn:
        for index, s, e in bookings:
            rid = resources[index]["id"]
            if any(s < e2 and s2 < e for s2, e2 in taken.get(rid, [])):
                continue
            taken.setdefault(rid, []).append((s, e))
            now = datetime.now(timezone.utc)
            booking_id = str(uuid.uuid4())
            conn.execute(insert(table), {"id": booking_id, "service_id": service_id, "resource_ids": [rid], "start": s,
                                         "end": e, "attendees": 1, "status": "booked", "created_at": now,
                                         "updated_at": now, "version": 1})
            conn.execute(insert(booking_slots), {"booking_id": booking_id, "resource_id": rid,
                                                 "during": Range(s, e, "[)"), "active": True})
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--no-rpc", action="store_true", help="only the search, without the service")
    args = parser.parse_args()
    print(f"50 resources (25 teachers in 3 time zones, 25 rooms), window of 4 weeks, 3-hour service on a "
          f"30-minute grid, limit 10; medians of {args.repeats}")
    print("| query | search alone, ms | end to end over RPC, ms | slots | reasons |")
    print("|---|---|---|---|---|")
    alone = domain_times(args.repeats)
    remote = {} if args.no_rpc else rpc_times(args.repeats)
    for name in QUERIES:
        ms, slots, reasons = alone[name]
        rpc_ms = f"{remote[name][0]:.1f}" if name in remote else "-"
        print(f"| {name} | {ms:.1f} | {rpc_ms} | {slots} | {'; '.join(reasons) or '-'} |")


if __name__ == "__main__":
    main()
