"""Contact list and `q` search benchmark (issue 3): 100,000 contacts, 10 concurrent clients.

What is measured, and how
-------------------------
One isolated run: a fresh RabbitMQ vhost and fresh sales and gateway databases (unique names),
migrated with `python -m <component> migrate`; 100,000 contacts are loaded straight into the
sales database with COPY (keys computed by the same functions the service uses) and ANALYZEd.
Then the real sales service (`python -m sales run`) and the gateway (`python -m gateway run`,
one uvicorn process) start, and the benchmark logs in like a client.

For each query kind, --clients threads (one HTTP connection each) send --requests requests
each, back to back, after a warm-up; every request's latency is recorded and p50 / p95 / p99
and the throughput are printed:

- `list`:   GET /api/v1/contacts?limit=50 (newest first: the default sort)
- `search`: GET /api/v1/contacts?q=<term>&limit=50, terms drawn from the data: a whole last
            name (about 20 matches), part of an email (a few), 7 digits of a phone number (one),
            a first name (about 2% of the contacts).

Beside each, the same query runs directly in SQL (psycopg, --clients threads with a connection
each, the statement the repository builds: ILIKE on first_name, last_name, email, phone, mobile
in a MATERIALIZED CTE, then ORDER BY created_at DESC, id DESC LIMIT 51), so the cost of the
gateway, RPC and the service is the difference. The plan of one search is printed (the trigram indexes should be in it).

Every measurement is repeated --repeats times; the table shows each run and the median. The
machine is shared: the clients, the gateway, the service, RabbitMQ and PostgreSQL share its
cores, so the figures are for comparing within a run. The benchmark measures; it does not gate.

    /work/main/.venv/bin/python bench/sales_search.py --contacts 100000 --clients 10 --requests 200
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import psycopg

from crm_ops import suite as processes
from crmkit.testing import infra
from sales.domain.duplicates import email_key, phone_key

FIRST_NAMES = ["Nancy", "Yvonne", "Andrew", "Janet", "Margaret", "Steven", "Michael", "Robert", "Laura", "Anne",
               "Maria", "Pedro", "Ana", "Thomas", "Hanna", "Yoshi", "Renate", "Martin", "Paolo", "Helen",
               "Carlos", "Diego", "Elena", "Felipe", "Giulia", "Hugo", "Ines", "Jonas", "Karin", "Lars",
               "Mia", "Nils", "Olga", "Pia", "Rosa", "Sven", "Tina", "Ugo", "Vera", "Willem",
               "Xavier", "Yara", "Zoe", "Amir", "Bea", "Chen", "Dara", "Emil", "Fatima", "Goran"]
SYLLABLES = ["an", "ber", "cal", "dor", "el", "fen", "gar", "hol", "ing", "jor", "kel", "lin", "mar", "nor",
             "ost", "per", "quin", "ros", "sto", "tal", "urb", "vel", "wes", "xan", "yor", "zel"]
DOMAINS = [f"company{n}.example" for n in range(500)]
CITIES = ["Seattle", "Paris", "Lyon", "Berlin", "Madrid", "Oslo", "Rome", "Tokyo", "Lima", "Cairo"]
# What the sales repository sends for q (sales.db.SalesRepository.list): matches found through the
# trigram indexes first, then sorted.
SEARCH_SQL = ("WITH matching AS MATERIALIZED (SELECT * FROM contacts WHERE first_name ILIKE %(p)s "
              "OR last_name ILIKE %(p)s OR email ILIKE %(p)s OR phone ILIKE %(p)s OR mobile ILIKE %(p)s) "
              "SELECT * FROM matching ORDER BY created_at DESC, id DESC LIMIT 51")
LIST_SQL = "SELECT * FROM contacts ORDER BY created_at DESC, id DESC LIMIT 51"
ADMIN = ("bench-admin", "bench-admin-password")


def last_names(rng: random.Random, count: int) -> list[str]:
    names = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def contacts(rng: random.Random, count: int, surnames: list[str]):
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(surnames)
        email = f"{first.lower()}.{last.lower()}.{n}@{rng.choice(DOMAINS)}"
        phone = f"+1 {rng.randint(200, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        created = start + timedelta(seconds=n * 600 + rng.randint(0, 599))
        yield (str(uuid.uuid4()), first, last, email, phone, None, None, None, None, rng.choice(CITIES), "US",
               None, created, created, 1, email_key(email), phone_key(phone), None)


def load(sales_url: str, rows) -> float:
    started = time.perf_counter()
    columns = ("id, first_name, last_name, email, phone, mobile, job_title, account_id, birth_date, city, country, "
               "owner_id, created_at, updated_at, version, email_key, phone_key, mobile_key")
    with psycopg.connect(sales_url) as conn:
        with conn.cursor().copy(f"COPY contacts ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE contacts")
    return time.perf_counter() - started


def search_terms(rng: random.Random, sample: list[tuple], surnames: list[str], count: int) -> list[str]:
    terms = []
    for _ in range(count):
        kind = rng.randrange(4)
        row = rng.choice(sample)
        if kind == 0:
            terms.append(rng.choice(surnames))
        elif kind == 1:
            terms.append(row[3].split("@")[0].split(".", 1)[1])  # "lastname.N"
        elif kind == 2:
            terms.append(row[4][-8:])  # "555 0101": 7 digits as written
        else:
            terms.append(rng.choice(FIRST_NAMES))
    return terms


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / TICK  # utime + stime


def machine_busy_seconds() -> float:
    cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return (sum(map(int, cpu)) - int(cpu[3]) - int(cpu[4])) / TICK  # all but idle and iowait


def run_clients(clients: int, requests: int, work, pids: dict[str, int] | None = None) -> dict:
    """Each client thread calls work(client_index, n) `requests` times; returns latency figures
    and the CPU milliseconds per request of each process in `pids` and of the whole machine."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(index: int) -> None:
        mine, failed = [], []
        with work.session() as session:
            barrier.wait()
            for n in range(requests):
                started = time.perf_counter()
                try:
                    work(session, index, n)
                except Exception as exc:  # a failed request is reported, not hidden
                    failed.append(repr(exc))
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    pids = pids or {}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    busy_before = machine_busy_seconds()
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    count = len(latencies)
    cpu = {name: (cpu_seconds(pid) - cpu_before[name]) * 1000 / count for name, pid in pids.items()}
    cpu["machine"] = (machine_busy_seconds() - busy_before) * 1000 / count
    return {"p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000,
            "p99": percentile(latencies, 99) * 1000, "rate": count / elapsed, "errors": len(errors),
            "first_error": errors[0] if errors else None, "cpu": cpu}


class HttpWork:
    """One keep-alive HTTP/1.1 connection per client thread, with the standard library's
    http.client: the load generator shares the 2 cores with the servers it measures, and
    http.client costs a fraction of httpx's CPU per request (the "bench" CPU column)."""

    def __init__(self, base_url: str, token: str, params_for):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port, self.params_for = parts.hostname, parts.port, params_for
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    @contextlib.contextmanager
    def session(self):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            yield connection
        finally:
            connection.close()

    def __call__(self, connection: http.client.HTTPConnection, index: int, n: int) -> None:
        query = urllib.parse.urlencode(self.params_for(index, n))
        connection.request("GET", f"/api/v1/contacts?{query}", headers=self.headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {body[:200]!r}")
        json.loads(body)


class SqlWork:
    def __init__(self, url: str, sql: str, params_for):
        self.url, self.sql, self.params_for = url, sql, params_for

    @contextlib.contextmanager
    def session(self):
        with psycopg.connect(self.url, autocommit=True) as conn:
            yield conn

    def __call__(self, conn, index: int, n: int) -> None:
        conn.execute(self.sql, self.params_for(index, n)).fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="per client and measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    servers = infra.find_servers()
    prefix = infra.unique_name("crm_bench_search")
    vhost = infra.unique_name("crm-bench")
    infra.create_vhost(servers.management_url, vhost)
    amqp_uri = infra.amqp_uri_for_vhost(servers.amqp_uri, vhost)
    env = dict(os.environ) | {
        "CRM_AMQP_URI": amqp_uri,
        "CRM_DATABASE_URL_TEMPLATE": infra.database_url(servers.postgres_url, prefix + "_{service}"),
        "CRM_ADMIN_USERNAME": ADMIN[0], "CRM_ADMIN_PASSWORD": ADMIN[1],
        "CRM_JWT_SECRET": uuid.uuid4().hex * 2, "CRM_RPC_TIMEOUT_S": "10",
    }
    port = infra.free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="crm-bench-search-"))
    suite = processes.SuiteProcesses(env, log_dir, port)
    sales_url = infra.database_url(servers.postgres_url, f"{prefix}_sales", driver="postgresql")
    try:
        for component in ("sales", processes.GATEWAY):
            processes.migrate(component, env)
        surnames = last_names(rng, 5000)
        rows = list(contacts(rng, args.contacts, surnames))
        print(f"loaded {args.contacts:,} contacts in {load(sales_url, rows):.1f} s")
        terms = search_terms(rng, rows, surnames, 1000)
        suite.start("sales")
        suite.start(processes.GATEWAY)
        base_url = f"http://127.0.0.1:{port}"
        token = wait_for_token(base_url)

        def search_params(index: int, n: int) -> dict:
            return {"q": terms[(index * 7919 + n) % len(terms)], "limit": 50}

        def sql_params(index: int, n: int) -> dict:
            return {"p": f"%{search_params(index, n)['q']}%"}

        with psycopg.connect(sales_url) as conn:
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + SEARCH_SQL, {"p": f"%{surnames[1]}%"}).fetchall()
        print("plan of one search (a last name):\n  " + "\n  ".join(row[0] for row in plan))

        measurements = {
            "list via gateway": HttpWork(base_url, token, lambda i, n: {"limit": 50}),
            "list in SQL": SqlWork(sales_url, LIST_SQL, lambda i, n: {}),
            "q search via gateway": HttpWork(base_url, token, search_params),
            "q search in SQL": SqlWork(sales_url, SEARCH_SQL, sql_params),
        }
        for work in measurements.values():  # warm-up: connections, caches, plans
            run_clients(args.clients, 10, work)
        results: dict[str, list[dict]] = {name: [] for name in measurements}
        pids = {name: process.pid for name, process in suite.processes.items()} | {"bench": os.getpid()}
        for repeat in range(args.repeats):
            for name, work in measurements.items():
                results[name].append(run_clients(args.clients, args.requests, work, pids))
                figures = results[name][-1]
                cpu = "  ".join(f"{part} {ms:.1f}" for part, ms in figures["cpu"].items())
                print(f"run {repeat + 1} {name:22s} p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  "
                      f"p99 {figures['p99']:7.1f} ms  {figures['rate']:7.0f} req/s  errors {figures['errors']}  "
                      f"CPU ms/request: {cpu}" + (f" ({figures['first_error']})" if figures["errors"] else ""))
        print(f"\nmedians of {args.repeats} runs, {args.clients} concurrent clients x {args.requests} requests, "
              f"{args.contacts:,} contacts")
        print("| query | p50 ms | p95 ms | p99 ms | req/s | CPU ms/request: gateway, sales, bench clients, whole machine |\n"
              "|---|---|---|---|---|---|")
        for name, runs in results.items():
            median = {key: statistics.median(run[key] for run in runs) for key in ("p50", "p95", "p99", "rate")}
            cpu = {part: statistics.median(run["cpu"][part] for run in runs) for part in runs[0]["cpu"]}
            print(f"| {name} | {median['p50']:.1f} | {median['p95']:.1f} | {median['p99']:.1f} | {median['rate']:.0f} "
                  f"| {cpu.get('gateway', 0):.1f}, {cpu.get('sales', 0):.1f}, {cpu.get('bench', 0):.1f}, {cpu['machine']:.1f} |")
    finally:
        suite.stop_all()
        for component in ("sales", processes.GATEWAY):
            infra.drop_database(servers.postgres_url, f"{prefix}_{component}")
        infra.delete_vhost(servers.management_url, vhost)
        print(f"logs: {log_dir}")
    return 0


def wait_for_token(base_url: str, timeout_s: float = 60) -> str:
    """The gateway is up and sales answers: /ready needs all five services, so ask for a page."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            token = httpx.post(f"{base_url}/api/v1/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]},
                               timeout=5).json()["access_token"]
            if httpx.get(f"{base_url}/api/v1/contacts", params={"limit": 1}, timeout=10,
                         headers={"Authorization": f"Bearer {token}"}).status_code == 200:
                return token
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the gateway and sales did not come up")
        time.sleep(0.5)  # polling until the processes answer


if __name__ == "__main__":
    sys.exit(main())
