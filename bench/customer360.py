"""Customer 360 benchmark (issue 8): GET /api/v1/customers/{id} on 100,000 seeded accounts,
20 concurrent clients, beside the same reads made directly in SQL in the same run.

What is measured, and how
-------------------------
One isolated run: a fresh RabbitMQ vhost and fresh databases for the five services and the
gateway (unique names), migrated with `python -m <component> migrate`; every service and the
gateway (one uvicorn process) start as real processes (`crm_ops.suite`).

Data, in two steps:
1. `crm seed --scale N` (crm_ops.scale_seed.run, through the gateway, timed): N accounts with
   3 contacts each, N/2 leads and the products by CSV import jobs, one activity per account,
   a case per 5 accounts, a campaign and a scheduling resource per 100. The benchmark then
   waits until the read models of the other services (contacts of service_desk and marketing,
   known records of activities) hold every contact, as a client would see them.
2. What the seed command does not make is bulk-inserted (COPY) straight into each service's
   database, ANALYZEd afterwards: per account 2 opportunities (open, won) and every third a
   lost one, a quote, an order and an invoice (half paid, a quarter overdue), a contract, a
   campaign distribution (recipient of 2 campaigns' activities) and an upcoming booking. No
   events are published for these rows: the benchmark only reads them.

Load: --clients threads, one HTTP connection each, send --requests requests each, back to
back, after a warm-up: GET /api/v1/customers/{id} for seeded account ids drawn at random.
p50 / p95 / p99 and the throughput are printed, with the CPU milliseconds per request of each
process (from /proc) and of the whole machine.

SQL side, in the same run: before the load, each service's own `customer_overview` code runs
once in this process for every account the load will ask for, on a SQLAlchemy engine whose
cursor executions are recorded; the recorded statements with their parameters are exactly
what the services send. The SQL measurement replays them with psycopg: --clients threads,
each with one connection per service database, and per account the five services' reads one
after another (each service's in one transaction, rolled back, as `db.reading()` does). The
ratio gateway / SQL is the cost of the HTTP layer, the RPC fan-out over RabbitMQ, nameko and
the JSON shaping. Targets: p95 <= 50 ms through the gateway, and <= 3 x the SQL p95.

Every measurement is repeated --repeats times; the table shows the median. The machine is
shared (clients, gateway, five services, RabbitMQ and PostgreSQL on its cores): the load
average is printed with the figures. The benchmark measures; it does not gate.

    /work/main/.venv/bin/python bench/customer360.py --accounts 100000 --clients 20 --requests 100 --keep
    /work/main/.venv/bin/python bench/customer360.py --reuse crm_bench_360_<id>   # measure again, no seeding
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import psycopg
import sqlalchemy
from sqlalchemy import event

from crm_ops import scale_seed
from crm_ops import suite as processes
from crmkit.config import SERVICES
from crmkit.database import DatabaseAccess
from crmkit.testing import infra
from sales_search import HttpWork, run_clients  # bench/ is the script's directory: the same client loop and CPU figures

ADMIN = ("bench-admin", "bench-admin-password")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- data ---------------------------------------------------------------------------------

def seed(base_url: str, token: str, accounts: int) -> float:
    """The realistic path: `crm seed --scale N`, through the gateway; prints progress."""
    started = time.perf_counter()
    total = sum(scale_seed.plan(accounts).values())
    done = [0, 0]

    def progress(n: int) -> None:
        done[0] += n
        if done[0] * 10 // total > done[1]:
            done[1] = done[0] * 10 // total
            print(f"  seeded {done[0]:,} of {total:,} records, {time.perf_counter() - started:.0f} s", flush=True)

    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        scale_seed.run(client, accounts, progress)
    return time.perf_counter() - started


def wait_for_read_models(urls: dict[str, str], contacts: int, timeout_s: float = 3600) -> float:
    """Until every service's copy of the contacts is complete (they fill from sales events)."""
    started = time.perf_counter()
    queries = {"service_desk": "SELECT count(*) FROM customer_contacts",
               "marketing": "SELECT count(*) FROM customer_contacts",
               "activities": "SELECT count(*) FROM known_records WHERE record_type = 'contact'"}
    while True:
        counts = {}
        for service, sql in queries.items():
            with psycopg.connect(urls[service]) as conn:
                counts[service] = conn.execute(sql).fetchone()[0]
        if all(n >= contacts for n in counts.values()):
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout_s:
            raise TimeoutError(f"read models incomplete: {counts} of {contacts} contacts")
        time.sleep(2)  # polling the consumers' progress


def copy_rows(url: str, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with psycopg.connect(url) as conn:
        with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


AUDIT = ("owner_id", "created_at", "updated_at", "version")


def add_sections(urls: dict[str, str], rng: random.Random) -> dict[str, int]:
    """The 360 sections the seed command leaves empty, bulk-inserted per account (see the docstring)."""
    now = datetime.now(timezone.utc)
    today = now.date()
    with psycopg.connect(urls["sales"]) as conn:
        account_ids = [row[0] for row in conn.execute("SELECT id::text FROM accounts ORDER BY account_number")]
        first_contact = dict(conn.execute("SELECT DISTINCT ON (account_id) account_id::text, id::text FROM contacts "
                                          "ORDER BY account_id, id").fetchall())
        price_list = str(uuid.uuid4())
        conn.execute("INSERT INTO price_lists (id, name, currency, owner_id, created_at, updated_at, version) "
                     "VALUES (%s, 'Bench list', 'EUR', NULL, now(), now(), 1)", (price_list,))
    with psycopg.connect(urls["marketing"]) as conn:
        campaign_ids = [row[0] for row in conn.execute("SELECT id::text FROM campaigns ORDER BY id")]
    with psycopg.connect(urls["scheduler"]) as conn:
        resource_ids = [row[0] for row in conn.execute("SELECT id::text FROM resources ORDER BY id")]

    opportunities, quotes, orders, invoices, contracts, bookings = [], [], [], [], [], []
    for n, account in enumerate(account_ids):
        contact = first_contact.get(account)
        created = now - timedelta(days=rng.randint(1, 700), seconds=rng.randint(0, 86399))
        value = f"{rng.randint(1, 500) * 100}.00"
        opportunity = str(uuid.uuid4())
        opportunities.append((opportunity, f"Deal {n}", account, contact, value, "EUR", "develop", "open", None,
                              None, None, created, created, 1))
        opportunities.append((str(uuid.uuid4()), f"Won deal {n}", account, contact, value, "EUR", "close", "won",
                              value, (created + timedelta(days=30)).date(), None, created, created, 2))
        if n % 3 == 0:
            opportunities.append((str(uuid.uuid4()), f"Lost deal {n}", account, contact, value, "EUR", "close",
                                  "lost", None, (created + timedelta(days=20)).date(), None, created, created, 2))
        quote, order = str(uuid.uuid4()), str(uuid.uuid4())
        quotes.append((quote, f"Quote {n}", account, contact, opportunity, price_list, "EUR", "won", 1, value, "0",
                       value, None, created, created, 3))
        orders.append((order, quote, account, opportunity, f"Order {n}", "EUR", "[]", value, "0", value, "active",
                       None, created, created, 1))
        paid = n % 2 == 0
        due = today + timedelta(days=(-10 if n % 4 == 1 else 20))
        invoices.append((str(uuid.uuid4()), f"BENCH-{n:07d}", order, account, "EUR", "[]", value, "0", value, due,
                         "paid" if paid else "active", created if paid else None, None, created, created, 1))
        contracts.append((str(uuid.uuid4()), f"Support {n}", account, today - timedelta(days=100),
                          today + timedelta(days=265), "cases", 10, 10 - n % 5, "active", created, None, created,
                          created, 2))
        if resource_ids:
            start = now + timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8))
            bookings.append((str(uuid.uuid4()), None, [rng.choice(resource_ids)], start, start + timedelta(hours=1),
                             1, "account", account, account, f"Visit {n}", "booked", None, created, created, 1))
    counts = {
        "opportunities": copy_rows(urls["sales"], "opportunities", (
            "id", "name", "account_id", "contact_id", "estimated_value", "currency", "stage", "status",
            "actual_revenue", "actual_close_date", *AUDIT), opportunities),
        "quotes": copy_rows(urls["sales"], "quotes", (
            "id", "name", "account_id", "contact_id", "opportunity_id", "price_list_id", "currency", "status",
            "revision", "subtotal", "discount_total", "total", *AUDIT), quotes),
        "orders": copy_rows(urls["sales"], "orders", (
            "id", "quote_id", "account_id", "opportunity_id", "name", "currency", "lines", "subtotal",
            "discount_total", "total", "status", *AUDIT), orders),
        "invoices": copy_rows(urls["sales"], "invoices", (
            "id", "invoice_number", "order_id", "account_id", "currency", "lines", "subtotal", "discount_total",
            "total", "due_date", "status", "paid_at", *AUDIT), invoices),
        "contracts": copy_rows(urls["service_desk"], "contracts", (
            "id", "name", "customer_account_id", "start_date", "end_date", "allotment_type", "total_allotment",
            "remaining_allotment", "status", "activated_at", *AUDIT), contracts),
    }
    if bookings:
        service = str(uuid.uuid4())
        with psycopg.connect(urls["scheduler"]) as conn:
            conn.execute("INSERT INTO services (id, name, duration_minutes, requirements, default_attendees, "
                         "slot_minutes, created_at, updated_at, version) "
                         "VALUES (%s, 'Bench visit', 60, '[]', 1, 30, now(), now(), 1)", (service,))
        counts["bookings"] = copy_rows(urls["scheduler"], "bookings", (
            "id", "service_id", "resource_ids", "\"start\"", "\"end\"", "attendees", "regarding_type", "regarding_id",
            "account_id", "subject", "status", *AUDIT), ([b[0], service, *b[2:]] for b in bookings))
    counts["campaign recipients"] = _distribute(urls["marketing"], campaign_ids, account_ids, rng, now)
    for url in urls.values():
        analyze(url)
    return counts


def _distribute(url: str, campaign_ids: list[str], account_ids: list[str], rng: random.Random,
                now: datetime) -> int:
    """One distributed activity per campaign; every account a recipient of two of them."""
    activities = {campaign: str(uuid.uuid4()) for campaign in campaign_ids}
    copy_rows(url, "campaign_activities", ("id", "campaign_id", "channel", "subject", "status", "distributed_count",
                                           "distributed_at", *AUDIT),
              ((activity, campaign, "email", "Bench mailing", "distributed", 0, now, None, now, now, 1)
               for campaign, activity in activities.items()))
    rows = []
    for position, account in enumerate(account_ids):
        for campaign in rng.sample(campaign_ids, min(2, len(campaign_ids))):
            rows.append((activities[campaign], "account", account, campaign, str(uuid.uuid4()), position,
                         now - timedelta(days=rng.randint(1, 300))))
    return copy_rows(url, "campaign_recipients", ("campaign_activity_id", "member_type", "member_id", "campaign_id",
                                                  "owner_id", "position", "distributed_at"), rows)


# --- the services' own reads, recorded -------------------------------------------------------

def _overview_callers() -> dict:
    """service -> f(DatabaseAccess, account_id): what each service's customer_overview RPC does."""
    from activities import views
    from marketing import overview as marketing_overview
    from sales import overview as sales_overview
    from scheduler import bookings
    from service_desk import overview as desk_overview

    def desk(db, account_id):
        with db.reading() as connection:
            return desk_overview.customer_overview(connection, account_id, date.today())

    def activities(db, account_id):
        with db.reading() as connection:
            return views.customer_overview(connection, account_id)

    return {"sales": sales_overview.customer_overview, "service_desk": desk, "activities": activities,
            "marketing": marketing_overview.customer_overview, "scheduler": bookings.customer_overview}


def record_statements(urls: dict[str, str], account_ids: list[str]) -> dict[str, dict[str, list]]:
    """{account: {service: [(statement, parameters), ...]}}: what each service sends for it."""
    callers = _overview_callers()
    recorded: dict[str, dict[str, list]] = {account: {} for account in account_ids}
    for service, call in callers.items():
        engine = sqlalchemy.create_engine(urls[service].replace("postgresql://", "postgresql+psycopg://", 1))
        current: list = []
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, statement, parameters, context, many: current.append((statement, parameters)))
        db = DatabaseAccess(engine, service, None)
        for account in account_ids:
            current.clear()
            call(db, account)
            recorded[account][service] = list(current)
        engine.dispose()
    return recorded


def slowest_statements(urls: dict[str, str], recorded: dict[str, dict[str, list]], accounts: int = 200,
                       shown: int = 5) -> None:
    """One client, no contention: the mean time of each recorded statement, the slowest first."""
    spent: dict[tuple[str, int], list[float]] = {}
    texts: dict[tuple[str, int], str] = {}
    for service in SERVICES:
        with psycopg.connect(urls[service]) as conn:
            for account in list(recorded)[:accounts]:
                for position, (statement, parameters) in enumerate(recorded[account][service]):
                    started = time.perf_counter()
                    cursor = conn.execute(statement, parameters)
                    if cursor.description is not None:
                        cursor.fetchall()
                    spent.setdefault((service, position), []).append(time.perf_counter() - started)
                    texts[(service, position)] = " ".join(statement.split())
                conn.rollback()
    means = sorted(((statistics.mean(times) * 1000, key) for key, times in spent.items()), reverse=True)
    total = sum(mean for mean, _ in means)
    print(f"one client, {min(accounts, len(recorded))} accounts: {total:.2f} ms of SQL per 360 view; slowest statements:")
    for mean, (service, position) in means[:shown]:
        print(f"  {mean:6.2f} ms  {service} #{position + 1}: {texts[(service, position)][:160]}")


# --- load ---------------------------------------------------------------------------------

class GatewayWork(HttpWork):
    """GET /api/v1/customers/{id}: here `params_for(index, n)` picks the account."""

    def __call__(self, connection, index: int, n: int) -> None:
        connection.request("GET", f"/api/v1/customers/{self.params_for(index, n)}", headers=self.headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {body[:200]!r}")
        unavailable = json.loads(body)["unavailable"]
        if unavailable:
            raise RuntimeError(f"sections unavailable: {unavailable}")


class SqlWork:
    """Per account, each service's recorded statements on its own database, one service after another."""

    def __init__(self, urls: dict[str, str], recorded: dict[str, dict[str, list]], account_for):
        self.urls, self.recorded, self.account_for = urls, recorded, account_for

    @contextlib.contextmanager
    def session(self):
        connections: dict = {}
        for service in SERVICES:  # before the clients start; one refused here is retried as a request
            with contextlib.suppress(psycopg.OperationalError):
                connections[service] = psycopg.connect(self.urls[service])
        try:
            yield connections
        finally:
            for conn in connections.values():
                conn.close()

    def __call__(self, connections: dict, index: int, n: int) -> None:
        for service, statements in self.recorded[self.account_for(index, n)].items():
            if service not in connections:
                connections[service] = psycopg.connect(self.urls[service])
            conn = connections[service]
            for statement, parameters in statements:
                cursor = conn.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            conn.rollback()


# The SQL side holds a connection per client and service database (20 x 5), beside the
# services' and the gateway's pools: a stock PostgreSQL (100) refuses most of them.
CONNECTIONS_NEEDED = 200


def require_connections(admin_url: str, needed: int) -> None:
    with psycopg.connect(admin_url) as conn:
        allowed = int(conn.execute("SHOW max_connections").fetchone()[0])
    if allowed < needed:
        sys.exit(f"PostgreSQL allows {allowed} connections; this benchmark needs about {needed}: "
                 f"ALTER SYSTEM SET max_connections = 300, then restart PostgreSQL "
                 f"(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart).")


@contextlib.contextmanager
def isolated_suite(reuse: str | None, keep: bool):
    """Every service and the gateway as processes on a fresh vhost, and fresh databases (or
    those of an earlier --keep run, `reuse` being their prefix); the vhost and, unless kept,
    the databases dropped at the end. Yields (base URL, {service: database URL}, processes)."""
    servers = infra.find_servers()
    require_connections(servers.postgres_url, needed=CONNECTIONS_NEEDED)
    prefix, vhost = reuse or infra.unique_name("crm_bench_360"), infra.unique_name("crm-bench")
    infra.create_vhost(servers.management_url, vhost)
    port, log_dir = infra.free_port(), Path(tempfile.mkdtemp(prefix="crm-bench-360-"))
    suite = processes.SuiteProcesses(os.environ | {
        "CRM_AMQP_URI": infra.amqp_uri_for_vhost(servers.amqp_uri, vhost),
        "CRM_DATABASE_URL_TEMPLATE": infra.database_url(servers.postgres_url, prefix + "_{service}"),
        "CRM_ADMIN_USERNAME": ADMIN[0], "CRM_ADMIN_PASSWORD": ADMIN[1],
        "CRM_JWT_SECRET": uuid.uuid4().hex * 2, "CRM_RPC_TIMEOUT_S": "10",
    }, log_dir, port)
    try:
        processes.migrate_all(suite.env)  # on kept databases: nothing to do but declare the new vhost's queues
        suite.start_all()
        base_url = f"http://127.0.0.1:{port}"
        processes.wait_ready(base_url, timeout_s=120)
        yield base_url, {service: infra.database_url(servers.postgres_url, f"{prefix}_{service}", driver="postgresql")
                         for service in SERVICES}, suite
    finally:
        suite.stop_all()
        if keep or reuse:
            print(f"databases kept: {prefix}_*; measure again with --reuse {prefix}")
        else:
            for component in processes.COMPONENTS:
                infra.drop_database(servers.postgres_url, f"{prefix}_{component}")
        infra.delete_vhost(servers.management_url, vhost)
        print(f"logs: {log_dir}")


def seed_all(base_url: str, token: str, urls: dict[str, str], accounts: int, rng: random.Random) -> None:
    print(f"load average before seeding: {load_average()}")
    print(f"seeding at scale {accounts:,} (crm seed --scale): {scale_seed.plan(accounts)}")
    print(f"crm seed --scale {accounts} took {seed(base_url, token, accounts):.0f} s")
    contacts = accounts * scale_seed.CONTACTS_PER_ACCOUNT
    print(f"read models complete {wait_for_read_models(urls, contacts):.0f} s after the seed")
    started = time.perf_counter()
    counts = add_sections(urls, rng)
    print(f"bulk-inserted {json.dumps(counts)} and analyzed in {time.perf_counter() - started:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="crm seed --scale N")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100, help="per client and measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the seeded databases for --reuse")
    parser.add_argument("--reuse", metavar="PREFIX", help="measure on the databases of a --keep run (no seeding)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with isolated_suite(args.reuse, args.keep) as (base_url, urls, suite):
        token = login(base_url)
        if not args.reuse:
            seed_all(base_url, token, urls, args.accounts, rng)

        with psycopg.connect(urls["sales"]) as conn:
            account_ids = [row[0] for row in conn.execute("SELECT id::text FROM accounts")]
        print(f"{len(account_ids):,} accounts; load average {load_average()}")
        wanted = args.clients * (args.requests + 10)  # the warm-up's 10 each, then the measured ones
        sample = rng.sample(account_ids, min(wanted, len(account_ids)))
        started = time.perf_counter()
        recorded = record_statements(urls, sample)
        per_service = {service: len(recorded[sample[0]][service]) for service in SERVICES}
        print(f"recorded the services' statements for {len(sample):,} accounts in "
              f"{time.perf_counter() - started:.0f} s; statements per overview: {per_service}")
        slowest_statements(urls, recorded)

        def warm_account(index: int, n: int) -> str:
            return sample[(index * 10 + n) % len(sample)]

        def measured_account(index: int, n: int) -> str:
            return sample[(args.clients * 10 + index * args.requests + n) % len(sample)]

        works = {"360 via gateway": lambda pick: GatewayWork(base_url, token, pick),
                 "same reads in SQL": lambda pick: SqlWork(urls, recorded, pick)}
        for make in works.values():  # warm-up: connections, caches, prepared plans
            run_clients(args.clients, 10, make(warm_account))
        results: dict[str, list[dict]] = {name: [] for name in works}
        pids = {name: process.pid for name, process in suite.processes.items()}
        for repeat in range(args.repeats):
            for name, make in works.items():
                figures = run_clients(args.clients, args.requests, make(measured_account), pids)
                figures["load"] = load_average()
                results[name].append(figures)
                cpu = "  ".join(f"{part} {ms:.1f}" for part, ms in figures["cpu"].items())
                print(f"run {repeat + 1} {name:18s} p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  "
                      f"p99 {figures['p99']:7.1f} ms  {figures['rate']:6.0f} req/s  errors {figures['errors']}  "
                      f"load {figures['load']}  CPU ms/request: {cpu}"
                      + (f" ({figures['first_error']})" if figures["errors"] else ""))
        report(results, args, len(account_ids))
    return 0


def report(results: dict[str, list[dict]], args, accounts: int) -> None:
    median = {name: {key: statistics.median(run[key] for run in runs) for key in ("p50", "p95", "p99", "rate")}
              for name, runs in results.items()}
    print(f"\nmedians of {args.repeats} runs, {args.clients} concurrent clients x {args.requests} requests, "
          f"{accounts:,} accounts")
    parts = ["gateway", *SERVICES]
    print(f"| measurement | p50 ms | p95 ms | p99 ms | req/s | CPU ms/request: {', '.join(parts)}, whole machine |\n"
          "|---|---|---|---|---|---|")
    for name, runs in results.items():
        cpu = {part: statistics.median(run["cpu"].get(part, 0) for run in runs) for part in [*parts, "machine"]}
        m = median[name]
        print(f"| {name} | {m['p50']:.1f} | {m['p95']:.1f} | {m['p99']:.1f} | {m['rate']:.0f} | "
              + ", ".join(f"{cpu[part]:.1f}" for part in [*parts, "machine"]) + " |")
    gateway, sql = median["360 via gateway"], median["same reads in SQL"]
    print(f"ratio gateway / SQL: p50 {gateway['p50'] / sql['p50']:.1f}x, p95 {gateway['p95'] / sql['p95']:.1f}x, "
          f"p99 {gateway['p99'] / sql['p99']:.1f}x")
    errors = {name: sum(run["errors"] for run in runs) for name, runs in results.items()}
    if any(errors.values()):  # failed requests' times are no answer's times
        print(f"targets not judged: failed requests {errors}")
        return
    print(f"target p95 <= 50 ms: {'met' if gateway['p95'] <= 50 else 'not met'} ({gateway['p95']:.1f} ms); "
          f"target <= 3x SQL at p95: {'met' if gateway['p95'] <= 3 * sql['p95'] else 'not met'}")


def login(base_url: str) -> str:
    response = httpx.post(f"{base_url}/api/v1/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]},
                          timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


if __name__ == "__main__":
    sys.exit(main())
