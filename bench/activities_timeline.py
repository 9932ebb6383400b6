"""Timeline benchmark (issue 4): a record's activities, newest first, over 1,000,000 activities.

What is measured, and how
-------------------------
An isolated run: a fresh RabbitMQ vhost and a fresh activities database (unique names),
migrated with `python -m activities migrate`, and the real service started as a process with
`python -m activities run`; all torn down at the end, on errors and on Ctrl-C too.

Data (loaded with INSERT ... SELECT from generate_series in batches, into the migrated table
with all its indexes, then VACUUM ANALYZE since autovacuum is off on the development
machines): --total activities (default 1,000,000). One "hot" account holds --hot of them
(default 500,000); the rest regard --others records (default 5,000) evenly. Types are
phone_call 40%, email 30%, task 25%, appointment 4%, letter 1%; statuses completed 85%,
open 10%, cancelled 5%; each activity has a contact as a party, and the account and 10,000
contacts have labels in the read model, so every page also looks its labels up.

Each scenario calls the service's `list_activities` RPC (what `GET /api/v1/activities?
regarding_type&regarding_id...` calls) --requests times, one after the other from one
client, after --warmup calls, and reports p50/p95/p99/max of the client-side latency: the
RPC round trip through RabbitMQ, the query, the label lookup and the JSON. Scenarios:
first pages of the hot record (50 and 500 per page), walking its pages with cursors (each
step a request), type and status filters (common and rare), both filters together, and
first pages of ordinary records chosen at random.

    /work/main/.venv/bin/python bench/activities_timeline.py
    /work/main/.venv/bin/python bench/activities_timeline.py --total 200000 --hot 100000  # quicker

Always exits 0: it measures, it does not gate (the target, p95 <= 50 ms, is printed beside).
"""
from crmkit import green

green.patch()  # the RPC client's sockets must be cooperative, like the service's

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402

from crmkit.testing import infra  # noqa: E402

TARGET_P95_MS = 50.0
HOT_ACCOUNT = "8c3e4c8e-6a1b-4b6e-9d2f-3e5a7c9b1d01"
CONTACTS = 10_000
BATCH = 100_000

# One statement per batch: activity i gets a creation time (one second apart, newest =
# highest i), a status from its number and a type from a hash of it (independent shares:
# letters 1%, appointments 4%, ...). Every `stride`-th activity regards the hot account, so
# its pages interleave with other records' rows as in real life; the others regard one of
# the ordinary records (ids derived from their number).
LOAD = text("""
INSERT INTO activities (id, type, subject, regarding_type, regarding_id, parties, priority, direction,
                        status, completed_at, actual_duration_minutes, exceptions, owner_id,
                        created_at, updated_at, version)
SELECT gen_random_uuid(),
       CASE WHEN h < 40 THEN 'phone_call' WHEN h < 70 THEN 'email' WHEN h < 95 THEN 'task'
            WHEN h < 99 THEN 'appointment' ELSE 'letter' END,
       'Activity ' || i, 'account',
       CASE WHEN i % :stride = 0 THEN CAST(:hot AS uuid)
            ELSE CAST(md5('record-' || (i % :others)) AS uuid) END,
       jsonb_build_array(jsonb_build_object('role', 'to', 'type', 'contact',
                                            'id', CAST(md5('contact-' || (i % :contacts)) AS uuid))),
       'normal', 'outgoing',
       CASE WHEN i % 20 < 17 THEN 'completed' WHEN i % 20 < 19 THEN 'open' ELSE 'cancelled' END,
       CASE WHEN i % 20 < 17 THEN now() END, 15, '[]'::jsonb, CAST(:owner AS uuid),
       timestamptz '2020-01-01' + i * interval '1 second', timestamptz '2020-01-01' + i * interval '1 second', 1
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i,
     LATERAL (SELECT abs(hashtext(i::text)) % 100 AS h) AS shares
""")
LABELS = text("""
INSERT INTO known_records (record_type, record_id, label, account_id, source_version, source_at, deleted)
SELECT 'contact', CAST(md5('contact-' || n) AS uuid), 'Contact ' || n, CAST(:hot AS uuid), 1, now(), false
FROM generate_series(0, :contacts - 1) AS n
UNION ALL SELECT 'account', CAST(:hot AS uuid), 'Hot account', CAST(:hot AS uuid), 1, now(), false
""")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def isolated_service(logs: Path):
    servers = infra.find_servers()
    with contextlib.ExitStack() as cleanup:
        vhost = infra.unique_name("bench-timeline")
        infra.create_vhost(servers.management_url, vhost)
        cleanup.callback(infra.delete_vhost, servers.management_url, vhost)
        name = infra.unique_name("bench_activities")
        infra.create_database(servers.postgres_url, name)
        cleanup.callback(infra.drop_database, servers.postgres_url, name)
        url = infra.database_url(servers.postgres_url, name)
        amqp_uri = infra.amqp_uri_for_vhost(servers.amqp_uri, vhost)
        env = {**os.environ, "CRM_AMQP_URI": amqp_uri, "CRM_ACTIVITIES_DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "activities", "migrate"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        yield url, amqp_uri, env
        # the service process, if any, is stopped by the caller's ExitStack first


def load(url: str, total: int, hot: int, others: int) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    owner = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(LABELS, {"hot": HOT_ACCOUNT, "contacts": CONTACTS})
    for first in range(0, total, BATCH):
        last = min(first + BATCH, total) - 1
        with engine.begin() as conn:
            conn.execute(LOAD, {"first": first, "last": last, "hot": HOT_ACCOUNT, "stride": max(1, total // hot),
                                "others": others, "contacts": CONTACTS, "owner": owner})
        log(f"loaded {last + 1:,} activities")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE activities"))
        conn.execute(text("VACUUM ANALYZE known_records"))
    engine.dispose()
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(call, requests: int, warmup: int) -> dict:
    for _ in range(warmup):
        call()
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return {"p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99), "max": max(latencies), "n": len(latencies)}


def scenarios(rpc, others: int) -> dict:
    hot = {"regarding_type": "account", "regarding_id": HOT_ACCOUNT}
    rng = random.Random(4)

    def first_page(filters, limit=50):
        return lambda: rpc.list_activities(filters=filters, limit=limit)

    def walker(filters):
        state = {"cursor": None}

        def step():
            page = rpc.list_activities(filters=filters, limit=50, cursor=state["cursor"])
            state["cursor"] = page["next_cursor"]  # back to the first page at the end
        return step

    def ordinary():
        record = str(uuid.UUID(bytes=__import__("hashlib").md5(f"record-{rng.randrange(others)}".encode()).digest()))
        return rpc.list_activities(filters={"regarding_type": "account", "regarding_id": record}, limit=50)

    return {
        "hot record, first page (50)": first_page(hot),
        "hot record, first page (500)": first_page(hot, 500),
        "hot record, walking pages with cursors": walker(hot),
        "hot record, type=email (30%)": first_page(hot | {"type": "email"}),
        "hot record, type=letter (1%), walking": walker(hot | {"type": "letter"}),
        "hot record, status=open (10%), walking": walker(hot | {"status": "open"}),
        "hot record, type=letter + status=open (0.1%)": first_page(hot | {"type": "letter", "status": "open"}),
        "ordinary records (random), first page": ordinary,
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--total", type=int, default=1_000_000, help="activities in the table")
    parser.add_argument("--hot", type=int, default=500_000, help="of them regarding the hot record")
    parser.add_argument("--others", type=int, default=5_000, help="ordinary records sharing the rest")
    parser.add_argument("--requests", type=int, default=500, help="measured calls per scenario")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured calls before each scenario")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    from nameko.standalone.rpc import ServiceRpcProxy

    args = parse_args(argv)
    logs = Path(tempfile.mkdtemp(prefix="bench-timeline-"))
    with isolated_service(logs) as (url, amqp_uri, env), contextlib.ExitStack() as stack:
        log(f"loading {args.total:,} activities ({args.hot:,} on the hot record)")
        load_s = load(url, args.total, args.hot, args.others)
        log(f"loaded and analysed in {load_s:.0f} s; starting the service (logs in {logs})")
        with open(logs / "activities.log", "ab") as out:
            process = subprocess.Popen([sys.executable, "-m", "activities", "run"], env=env, stdout=out,
                                       stderr=subprocess.STDOUT)
        stack.callback(process.wait, 10)
        stack.callback(process.kill)
        rpc = stack.enter_context(ServiceRpcProxy("activities", {"AMQP_URI": amqp_uri}, timeout=30))
        deadline = time.monotonic() + 90
        while True:
            try:
                rpc.health()
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the activities service did not start; see {logs}")
                time.sleep(0.5)
        size = create_engine(url).connect().execute(text(
            "SELECT pg_size_pretty(pg_total_relation_size('activities'))")).scalar()
        print(f"\nTimeline of a record over {args.total:,} activities ({size} with indexes); "
              f"{args.requests} sequential RPC calls per scenario after {args.warmup} warm-up calls; ms\n")
        print(f"{'scenario':48} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  p95 <= {TARGET_P95_MS:.0f} ms")
        for name, call in scenarios(rpc, args.others).items():
            figures = measure(call, args.requests, args.warmup)
            verdict = "yes" if figures["p95"] <= TARGET_P95_MS else "NO"
            print(f"{name:48} {figures['p50']:7.1f} {figures['p95']:7.1f} {figures['p99']:7.1f} "
                  f"{figures['max']:7.1f}  {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
