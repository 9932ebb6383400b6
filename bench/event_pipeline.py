"""Event pipeline benchmark (issue 2): sales outbox -> relay -> RabbitMQ -> marketing inbox.

What is measured, and how
-------------------------
Everything runs in one isolated run: a fresh RabbitMQ vhost and fresh sales and marketing
databases (unique names), migrated with `python -m <service> migrate`, and the two real
services started as processes with `python -m <service> run`. All of it is torn down at the
end, on errors and on Ctrl-C too.

1. Raw broker baseline, on the same broker and vhost: kombu publishes N persistent messages
   (delivery_mode=2, no publisher confirms) of the size of an AccountCreated envelope to a
   durable queue; the rate counts until the broker holds all N (passive queue.declare). Then
   one kombu consumer (prefetch --raw-prefetch) consumes and acks them one by one.
2. Burst ("sustained" throughput): the benchmark process commits B AccountCreated events
   through the real sales code path - `ResourceFlows(db, ACCOUNTS).create(...)` over a
   `crmkit.database.DatabaseAccess`, i.e. the account row and its outbox row in one
   transaction that NOTIFYs the relay - from --writers green threads, as fast as they can.
   The running sales service's relay publishes them; the running marketing service handles
   them into its read model through its inbox. Throughput = B / (max(inbox.handled_at) -
   min(inbox.occurred_at)): from the first event's commit to the last one handled.
   `occurred_at` is set in this process just before commit, `handled_at` is PostgreSQL's
   clock_timestamp() in the handler's transaction; same machine, same clock.
   The writers' own commit rate is reported too, with where the backlog piled up (outbox
   rows still pending, messages ready in marketing's queue) and the CPU each process used.
3. Lag at a fixed rate: commits paced at R events/s (event i is due at t0 + i/R, spread
   over the writers) for S seconds; lag = handled_at - occurred_at of every event, from
   marketing's inbox: p50, p95, p99, max. A rate counts as sustained when the writers
   achieved at least 95% of it: a writer that falls behind commits late, which sets
   occurred_at late and so hides queueing in front of the pipeline, so the achieved rate is
   printed next to the lags.
4. Each stage alone, on a backlog of B events, to tell which one limits: the writers commit
   with both services stopped; then sales starts and its relay drains the outbox into
   marketing's (unconsumed) durable queue; then marketing starts and drains the queue.
   The CPU each process spends per event is printed for every measurement: on a 2-core
   machine shared by the writers, both services, PostgreSQL and RabbitMQ, CPU per event
   decides the throughput.

Between measurements the sales outbox is VACUUMed (--no-vacuum to skip): PostgreSQL's
autovacuum is off on the development machines, and every published row leaves a dead entry
in the outbox's partial "pending" index that the relay's claim query then wades through;
without it each measurement would pay for the ones before it.

Every measurement is repeated --repeats times; the table shows each run and the median.
The benchmark always exits 0: it measures, it does not gate.

    /work/main/.venv/bin/python bench/event_pipeline.py --rate 500 --seconds 20 --burst 20000
"""
from crmkit import green

green.patch()  # first thing: the writers and the services' psycopg must be cooperative

import argparse  # noqa: E402
import contextlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import eventlet  # noqa: E402
import eventlet.debug  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from crmkit.database import DatabaseAccess, make_engine  # noqa: E402
from crmkit.envelope import Envelope  # noqa: E402
from crmkit.testing import infra  # noqa: E402
from crmkit.topology import consumer_queue_name  # noqa: E402

PYTHON = sys.executable
CONSUMER_QUEUE = consumer_queue_name("sales", "AccountCreated", "marketing", "on_account_created")
HANDLER = "on_account_created"
TARGET_EVENTS_PER_S = 1000
TARGET_P99_LAG_MS = 250
TARGET_LAG_RATE = 500


# --- the isolated suite -------------------------------------------------------------------

@dataclass
class Suite:
    amqp_uri: str
    sales_url: str
    marketing_url: str
    logs: Path
    env: dict = field(default_factory=dict)
    processes: dict = field(default_factory=dict)

    def start(self, service: str) -> None:
        log_file = open(self.logs / f"{service}.log", "a")
        # Own session: a Ctrl-C in the terminal reaches us only, and we stop the services.
        self.processes[service] = subprocess.Popen(
            [PYTHON, "-m", service, "run"], env=self.env, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True)
        log_file.close()  # the child has its own copy

    def stop(self, service: str) -> None:
        process = self.processes.pop(service, None)
        if process is not None and process.poll() is None:
            process.terminate()  # nameko stops gracefully on SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for service in list(self.processes):
            self.stop(service)


def service_env(suite: Suite, args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_AMQP_URI=suite.amqp_uri, CRM_SALES_DATABASE_URL=suite.sales_url,
               CRM_MARKETING_DATABASE_URL=suite.marketing_url, PYTHONUNBUFFERED="1")
    if args.max_workers:
        env["CRM_MAX_WORKERS"] = str(args.max_workers)
    if args.relay_poll_interval:
        env["CRM_RELAY_POLL_INTERVAL_S"] = str(args.relay_poll_interval)
    for setting in args.service_env:
        key, _, value = setting.partition("=")
        env[key] = value
    return env


def migrate(service: str, env: dict, logs: Path) -> None:
    with open(logs / f"{service}-migrate.log", "w") as log_file:
        result = subprocess.run([PYTHON, "-m", service, "migrate"], env=env, stdout=log_file,
                                stderr=subprocess.STDOUT, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{service} migrate failed; see {logs / f'{service}-migrate.log'}")


def wait_until_healthy(suite: Suite, service: str, timeout_s: float = 90) -> None:
    from nameko.standalone.rpc import ServiceRpcProxy

    deadline = time.monotonic() + timeout_s
    while True:
        if suite.processes[service].poll() is not None:
            raise RuntimeError(f"{service} exited; see {suite.logs / f'{service}.log'}")
        try:
            with ServiceRpcProxy(service, {"AMQP_URI": suite.amqp_uri}, timeout=3) as proxy:
                if proxy.health()["status"] == "ok":
                    return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{service} did not answer health() in {timeout_s:.0f} s")
            eventlet.sleep(0.5)


@contextlib.contextmanager
def isolated_suite(args):
    """Fresh vhost and databases, migrated; both services running. Torn down on exit."""
    servers = infra.find_servers()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(servers.stop)
        vhost = infra.unique_name("bench-pipeline")
        infra.create_vhost(servers.management_url, vhost)
        cleanup.callback(infra.delete_vhost, servers.management_url, vhost)
        urls = {}
        for service in ("sales", "marketing"):
            name = infra.unique_name(f"bench_{service}")
            infra.create_database(servers.postgres_url, name)
            cleanup.callback(infra.drop_database, servers.postgres_url, name)
            urls[service] = infra.database_url(servers.postgres_url, name)
        logs = Path(args.logs or tempfile.mkdtemp(prefix="bench-pipeline-"))
        logs.mkdir(parents=True, exist_ok=True)
        suite = Suite(infra.amqp_uri_for_vhost(servers.amqp_uri, vhost), urls["sales"],
                      urls["marketing"], logs)
        suite.env = service_env(suite, args)
        for service in ("sales", "marketing"):
            migrate(service, suite.env, logs)
        cleanup.callback(suite.stop_all)
        for service in ("sales", "marketing"):
            suite.start(service)
        for service in ("sales", "marketing"):
            wait_until_healthy(suite, service)
        log(f"suite up: vhost {vhost}, logs in {logs}")
        yield suite
        log("tearing down: stopping services, dropping databases, deleting the vhost")


# --- raw broker baseline ------------------------------------------------------------------

def sample_event_body() -> str:
    """An AccountCreated envelope as the relay publishes it (json.dumps of the outbox row)."""
    payload = {"account_id": "7d0c8f0e-8a52-4d5e-9a36-0f6a1c2b3d4e", "name": "Bench account 12345",
               "account_number": None, "industry": "Software", "email": None, "city": "Lyon",
               "country": "France", "parent_account_id": None, "owner_id": None, "version": 1}
    envelope = Envelope(event_type="AccountCreated", producer="sales", payload=payload,
                        correlation_id=None)
    return json.dumps(envelope.to_dict())


def raw_publish_rate(conn: Connection, queue: Queue, body: str, count: int) -> float:
    producer = conn.Producer(exchange=queue.exchange, routing_key=queue.routing_key)
    started = time.monotonic()
    for _ in range(count):
        producer.publish(body, content_type="application/json", content_encoding="utf-8",
                         delivery_mode=2)
    # Without confirms publish() returns once the bytes are written: count until the broker
    # actually holds them all.
    probe = queue(producer.channel)
    while probe.queue_declare(passive=True).message_count < count:
        eventlet.sleep(0.005)
    return count / (time.monotonic() - started)


def raw_consume_rate(conn: Connection, queue: Queue, count: int, prefetch: int) -> float:
    received = 0

    def on_message(body, message):
        nonlocal received
        message.ack()
        received += 1

    with conn.Consumer(queue, callbacks=[on_message], accept=["json"],
                       prefetch_count=prefetch):
        started = time.monotonic()
        while received < count:
            conn.drain_events(timeout=10)
        return count / (time.monotonic() - started)


def raw_broker_baseline(amqp_uri: str, count: int, prefetch: int) -> tuple[float, float]:
    exchange = Exchange("bench.raw", type="direct", durable=True)
    queue = Queue("bench.raw", exchange=exchange, routing_key="bench.raw", durable=True)
    body = sample_event_body()
    with Connection(amqp_uri) as conn:
        bound = queue(conn.default_channel)
        bound.declare()
        bound.purge()
        publish = raw_publish_rate(conn, queue, body, count)
        consume = raw_consume_rate(conn, queue, count, prefetch)
        bound.delete()
    return publish, consume


# --- writers: commits through the real sales code path ------------------------------------

class SalesWriters:
    """Green threads that create accounts exactly as the create_account RPC does."""

    def __init__(self, sales_url: str, writers: int, events_per_commit: int = 1):
        from sales.customers import ACCOUNTS
        from crmkit.resources import ResourceFlows

        self.engine = make_engine(sales_url, pool_size=writers)
        db = DatabaseAccess(self.engine, "sales", None)
        self.flows = ResourceFlows(db, ACCOUNTS)
        self.writers = writers
        self.events_per_commit = events_per_commit

    @staticmethod
    def _account(tag: str, i: int) -> dict:
        return {"name": f"Bench {tag} {i}", "industry": "Software",
                "address": {"city": "Lyon", "country": "France"}}

    def create_account(self, tag: str, i: int) -> None:
        self.flows.create(self._account(tag, i), owner_id=None)

    def burst(self, tag: str, count: int) -> float:
        """Commit `count` events as fast as the writers can (`events_per_commit` accounts per
        transaction, as an import does, when above 1); returns events committed per second."""
        indexes = iter(range(count))

        def writer():
            while batch := list(itertools.islice(indexes, self.events_per_commit)):  # shared: each index once
                if len(batch) == 1:
                    self.create_account(tag, batch[0])
                else:
                    self.flows.create_many([self._account(tag, i) for i in batch], owner_id=None)

        started = time.monotonic()
        self._run(writer)
        return count / (time.monotonic() - started)

    def paced(self, tag: str, rate: float, seconds: float) -> tuple[int, float, float]:
        """Commit at `rate`/s for `seconds`: event i is due at t0 + i/rate; writers that fall
        behind commit late events at once, and stop at t0 + seconds whatever they missed.
        Returns (events committed, achieved commits/s, worst lateness behind schedule in s)."""
        indexes = iter(range(int(rate * seconds)))
        committed, worst_late = 0, 0.0
        started = time.monotonic()
        deadline = started + seconds

        def writer():
            nonlocal committed, worst_late
            for i in indexes:
                now = time.monotonic()
                if now >= deadline:
                    return
                delay = started + i / rate - now
                if delay > 0:
                    eventlet.sleep(delay)
                else:
                    worst_late = max(worst_late, -delay)
                self.create_account(tag, i)
                committed += 1

        self._run(writer)
        return committed, committed / (time.monotonic() - started), worst_late

    def _run(self, writer) -> None:
        threads = [eventlet.spawn(writer) for _ in range(self.writers)]
        try:
            for thread in threads:
                thread.wait()  # re-raises a writer's exception here
        except BaseException:
            # Ctrl-C or a failed commit: stop the other writers without a traceback from
            # each transaction that the kill interrupts.
            eventlet.debug.hub_exceptions(False)
            for thread in threads:
                thread.kill()
            raise

    def close(self) -> None:
        self.engine.dispose()


# --- observing the pipeline ---------------------------------------------------------------

class Observer:
    """Reads what the pipeline did: marketing's inbox, sales' outbox, marketing's queue."""

    def __init__(self, suite: Suite):
        self.marketing = make_engine(suite.marketing_url, pool_size=2)
        self.sales = make_engine(suite.sales_url, pool_size=2)
        self.amqp = Connection(suite.amqp_uri)
        self._queue = Queue(CONSUMER_QUEUE)(self.amqp.channel())  # one channel for all probes

    def handled_since(self, since: datetime) -> int:
        with self.marketing.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM inbox WHERE handler = :h AND occurred_at >= :since"),
                {"h": HANDLER, "since": since}).scalar_one()

    def outbox_pending(self) -> int:
        with self.sales.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar_one()

    def vacuum_outbox(self) -> None:
        with self.sales.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE outbox"))

    def autovacuum(self) -> str:
        with self.sales.connect() as conn:
            return conn.execute(text("SHOW autovacuum")).scalar_one()

    def queue_ready(self) -> int:
        return self._queue.queue_declare(passive=True).message_count

    def wait_queue_filled(self, expected: int, on_first=None, stall_s: float = 60) -> float:
        """Poll marketing's queue (nobody consuming) until it holds `expected` messages;
        returns the fill rate, msgs/s, from the first message seen to the last."""
        first_at = first_depth = None
        last, last_change = -1, time.monotonic()
        while True:
            depth = self.queue_ready()
            now = time.monotonic()
            if depth and first_at is None:
                first_at, first_depth = now, depth
                if on_first:
                    on_first()
            if depth >= expected:
                return (depth - first_depth) / (now - first_at) if now > first_at else 0.0
            if depth != last:
                last, last_change = depth, now
            elif now - last_change > stall_s:
                log(f"  stalled: {depth}/{expected} in the queue")
                return 0.0
            eventlet.sleep(0.02)

    def wait_handled(self, since: datetime, expected: int, stall_s: float = 60) -> int:
        """Poll until `expected` events are handled or nothing moved for `stall_s`."""
        last, last_change = -1, time.monotonic()
        while True:
            done = self.handled_since(since)
            if done >= expected:
                return done
            if done != last:
                last, last_change = done, time.monotonic()
            elif time.monotonic() - last_change > stall_s:
                log(f"  stalled: {done}/{expected} handled")
                return done
            eventlet.sleep(0.25)

    def inbox_figures(self, since: datetime) -> dict:
        """Count, span and lag percentiles (ms) of the events that occurred since `since`."""
        with self.marketing.connect() as conn:
            row = conn.execute(text("""
                SELECT count(*) AS n,
                       extract(epoch FROM max(handled_at) - min(occurred_at)) AS span_s,
                       extract(epoch FROM max(handled_at) - min(handled_at)) AS drain_s,
                       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY lag) AS pct,
                       max(lag) AS max
                FROM (SELECT occurred_at, handled_at,
                             extract(epoch FROM handled_at - occurred_at) * 1000 AS lag
                      FROM inbox WHERE handler = :h AND occurred_at >= :since) AS handled
            """), {"h": HANDLER, "since": since}).mappings().one()
        p50, p95, p99 = row["pct"] or (None, None, None)
        return {"n": row["n"], "span_s": float(row["span_s"] or 0),
                "drain_s": float(row["drain_s"] or 0), "p50": p50, "p95": p95,
                "p99": p99, "max": float(row["max"] or 0)}

    def relay_figures(self, since: datetime) -> dict:
        """How long committed rows waited for the relay to claim them (published_at is the
        start of the relay's transaction, so this excludes publishing itself), and how many
        rows one relay pass carried (all rows of a pass share that published_at)."""
        with self.sales.connect() as conn:
            row = conn.execute(text("""
                SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY wait) AS pct,
                       max(wait) AS max, count(*)::float / count(DISTINCT published_at) AS per_pass
                FROM (SELECT published_at, extract(epoch FROM published_at
                             - (envelope->>'occurred_at')::timestamptz) * 1000 AS wait
                      FROM outbox WHERE created_at >= :since AND status = 'published') AS w
            """), {"since": since}).mappings().one()
        p50, p99 = row["pct"] or (None, None)
        return {"p50": p50, "p99": p99, "max": row["max"], "events_per_pass": row["per_pass"]}

    def close(self) -> None:
        self.amqp.release()
        self.marketing.dispose()
        self.sales.dispose()


class BacklogSampler:
    """Once a second: outbox rows pending (relay behind) and messages ready in marketing's
    queue (consumer behind). The larger peak names the slower stage."""

    def __init__(self, observer: Observer):
        self.observer = observer
        self.peak_outbox = self.peak_queue = 0

    def _sample(self) -> None:
        while True:
            self.peak_outbox = max(self.peak_outbox, self.observer.outbox_pending())
            self.peak_queue = max(self.peak_queue, self.observer.queue_ready())
            eventlet.sleep(1.0)

    @contextlib.contextmanager
    def running(self):
        thread = eventlet.spawn(self._sample)
        try:
            yield self
        finally:
            thread.kill()


class CpuMeter:
    """CPU seconds used by each part of the system between start() and stop(). The machine
    is shared and noisy: CPU per event says more than a rate does. "postgres" counts only
    the backends connected to this run's two databases (not the WAL writer, checkpointer or
    other users' backends); "rabbitmq" is the whole broker process."""

    TICK = os.sysconf("SC_CLK_TCK")
    PARTS = ("bench", "sales", "marketing", "postgres", "rabbitmq")

    def __init__(self, suite: Suite):
        self.suite = suite
        self.databases = [make_url(url).database for url in (suite.sales_url, suite.marketing_url)]

    @classmethod
    def _process_cpu(cls, pid: int) -> float | None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(stat[11]) + int(stat[12])) / cls.TICK  # utime + stime

    def _matching(self, part: str) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                comm = (entry / "comm").read_text().strip()
                if part == "rabbitmq" and comm == "beam.smp":
                    pids.append(int(entry.name))
                elif part == "postgres" and comm == "postgres":
                    title = (entry / "cmdline").read_bytes().decode(errors="replace")
                    if any(f" {name} " in title for name in self.databases):
                        pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    def _pids(self) -> dict[str, list[int]]:
        return {"bench": [os.getpid()], "sales": [], "marketing": [],
                **{name: [p.pid] for name, p in self.suite.processes.items()},
                "postgres": self._matching("postgres"), "rabbitmq": self._matching("rabbitmq")}

    def _snapshot(self) -> dict:
        # Services restart and pools open connections between measurements: find pids anew.
        snap = {part: {pid: self._process_cpu(pid) for pid in pids}
                for part, pids in self._pids().items()}
        cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        snap["machine"] = (sum(map(int, cpu)) - int(cpu[3]) - int(cpu[4])) / self.TICK
        snap["wall"] = time.monotonic()
        return snap

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> dict:
        """CPU seconds of each part, the whole machine's busy seconds and the wall time.
        A process that exited in between is left out; one that started counts in full."""
        end = self._snapshot()
        usage = {part: sum(cpu - (self._start[part].get(pid) or 0.0)
                           for pid, cpu in end[part].items() if cpu is not None)
                 for part in self.PARTS}
        usage["machine"] = end["machine"] - self._start["machine"]
        usage["wall"] = end["wall"] - self._start["wall"]
        return usage


def cpu_ms_per_event(usage: dict, events: int) -> dict:
    return {part: 1000 * usage.get(part, 0.0) / events for part in CpuMeter.PARTS} | {
        "machine_pct": 100 * usage["machine"] / usage["wall"]}


# --- the measurements ---------------------------------------------------------------------

def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def measure_burst(writers: SalesWriters, observer: Observer, cpu: CpuMeter, count: int,
                  tag: str) -> dict:
    since = now_utc()
    with BacklogSampler(observer).running() as backlog:
        cpu.start()
        commit_rate = writers.burst(tag, count)
        handled = observer.wait_handled(since, count)
        usage = cpu.stop()
    figures = observer.inbox_figures(since)
    return {"events": count, "handled": handled, "commit_rate": commit_rate,
            "pipeline_rate": figures["n"] / figures["span_s"] if figures["span_s"] else 0.0,
            "span_s": figures["span_s"], "peak_outbox": backlog.peak_outbox,
            "peak_queue": backlog.peak_queue, "cpu": cpu_ms_per_event(usage, count),
            "lag": figures, "relay": observer.relay_figures(since)}


def measure_lag(writers: SalesWriters, observer: Observer, cpu: CpuMeter, rate: float,
                seconds: float, tag: str) -> dict:
    since = now_utc()
    with BacklogSampler(observer).running() as backlog:
        cpu.start()
        count, achieved, worst_late = writers.paced(tag, rate, seconds)
        handled = observer.wait_handled(since, count)
        usage = cpu.stop()
    return {"events": count, "handled": handled, "commit_rate": achieved,
            "worst_late_ms": worst_late * 1000, "peak_outbox": backlog.peak_outbox,
            "peak_queue": backlog.peak_queue, "cpu": cpu_ms_per_event(usage, count),
            "lag": observer.inbox_figures(since), "relay": observer.relay_figures(since)}


def measure_stages(suite: Suite, writers: SalesWriters, observer: Observer, cpu: CpuMeter,
                   count: int, tag: str) -> dict:
    """Each stage alone on a backlog of `count` events: the writers with both services
    stopped; then sales' relay draining its outbox into marketing's queue (marketing still
    stopped); then marketing draining the queue. CPU is counted from the stage's first
    event on, so process start-up is left out."""
    suite.stop("marketing")
    suite.stop("sales")
    since = now_utc()
    cpu.start()
    commit_rate = writers.burst(tag, count)
    writer_cpu = cpu_ms_per_event(cpu.stop(), count)

    suite.start("sales")
    relay_rate = observer.wait_queue_filled(count, on_first=cpu.start)
    relay_cpu = cpu_ms_per_event(cpu.stop(), count)

    suite.start("marketing")
    while not observer.handled_since(since):
        eventlet.sleep(0.02)
    cpu.start()
    handled = observer.wait_handled(since, count)
    consumer_cpu = cpu_ms_per_event(cpu.stop(), count)
    figures = observer.inbox_figures(since)
    for service in ("sales", "marketing"):
        wait_until_healthy(suite, service)
    return {"events": count, "handled": handled, "commit_rate": commit_rate,
            "relay_rate": relay_rate,
            "consumer_rate": figures["n"] / figures["drain_s"] if figures["drain_s"] else 0.0,
            "writer_cpu": writer_cpu, "relay_cpu": relay_cpu, "consumer_cpu": consumer_cpu}


def settle(observer: Observer, vacuum: bool) -> None:
    """Let the previous measurement's tail drain and the machine calm down; then VACUUM the
    outbox so every measurement starts from the same table state (see --no-vacuum)."""
    deadline = time.monotonic() + 30
    while (observer.outbox_pending() or observer.queue_ready()) and time.monotonic() < deadline:
        eventlet.sleep(0.5)
    if vacuum:
        observer.vacuum_outbox()
    eventlet.sleep(2)


# --- reporting ----------------------------------------------------------------------------

def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


class Table:
    """Rows of per-run values with their median; the first column is the label."""

    LABEL = 50

    def __init__(self, runs: int):
        self.lines = [f"{'':<{self.LABEL}}" + "".join(f"{'run ' + str(i + 1):>10}" for i in range(runs))
                      + f"{'median':>10}"]

    def section(self, title: str) -> None:
        self.lines.append(title)

    def row(self, label: str, values: list) -> None:
        self.lines.append(f"  {label:<{self.LABEL - 2}}" + "".join(f"{fmt(v):>10}" for v in values)
                          + f"{fmt(median(values)):>10}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def add_cpu_rows(table: Table, runs: list, key: str = "cpu") -> None:
    for part in CpuMeter.PARTS:
        table.row(f"CPU ms/event: {part}", [r[key][part] for r in runs])
    table.row("whole machine busy (% of one core; 200 = both)", [r[key]["machine_pct"] for r in runs])


def report_table(args, results: dict) -> Table:
    table = Table(args.repeats)
    raw = results["raw"]
    raw_publish = median([r[0] for r in raw]) if raw else None
    if raw:
        table.section(f"Raw broker baseline (kombu, {args.raw_messages:,} msgs, same vhost)")
        table.row("publish, persistent, no confirms (msgs/s)", [r[0] for r in raw])
        table.row(f"consume + ack, prefetch {args.raw_prefetch} (msgs/s)", [r[1] for r in raw])
    if burst := results["burst"]:
        per_commit = "" if args.events_per_commit == 1 else f", {args.events_per_commit} per transaction"
        table.section(f"Burst of {args.burst:,} AccountCreated, {args.writers} writers{per_commit}")
        table.row("pipeline events/s (first commit -> last handled)", [b["pipeline_rate"] for b in burst])
        table.row("writers' rate (events committed/s)", [b["commit_rate"] for b in burst])
        if raw_publish:
            table.row("pipeline / raw publish (%)", [100 * b["pipeline_rate"] / raw_publish for b in burst])
        table.row("peak outbox backlog (pending rows)", [b["peak_outbox"] for b in burst])
        table.row("events per relay pass (mean)", [b["relay"]["events_per_pass"] for b in burst])
        table.row("peak marketing queue backlog (ready msgs)", [b["peak_queue"] for b in burst])
        add_cpu_rows(table, burst)
    for rate, runs in results["lag"].items():
        table.section(f"Paced at {rate} events/s for {args.seconds:g} s")
        table.row("writers' achieved rate (commits/s)", [r["commit_rate"] for r in runs])
        for stat in ("p50", "p95", "p99", "max"):
            table.row(f"lag {stat} (ms)", [r["lag"][stat] for r in runs])
        table.row("relay pickup p99 (ms, commit -> relay claims)", [r["relay"]["p99"] for r in runs])
        table.row("events per relay pass (mean)", [r["relay"]["events_per_pass"] for r in runs])
        table.row("peak marketing queue backlog (ready msgs)", [r["peak_queue"] for r in runs])
        table.row("whole machine busy (% of one core; 200 = both)", [r["cpu"]["machine_pct"] for r in runs])
    if stages := results["stages"]:
        table.section(f"Each stage alone on a backlog of {args.burst:,} events")
        table.row("writers alone, services stopped (commits/s)", [s["commit_rate"] for s in stages])
        table.row("relay alone: outbox -> queue (events/s)", [s["relay_rate"] for s in stages])
        table.row("consumer alone: queue -> inbox (events/s)", [s["consumer_rate"] for s in stages])
        if raw_publish:
            table.row("relay alone / raw publish (%)", [100 * s["relay_rate"] / raw_publish for s in stages])
        if raw:
            raw_consume = median([r[1] for r in raw])
            table.row("consumer alone / raw consume+ack (%)",
                      [100 * s["consumer_rate"] / raw_consume for s in stages])
        table.row("CPU ms/event: bench writers", [s["writer_cpu"]["bench"] for s in stages])
        table.row("CPU ms/event: postgres, while writing", [s["writer_cpu"]["postgres"] for s in stages])
        table.row("CPU ms/event: sales (relay)", [s["relay_cpu"]["sales"] for s in stages])
        table.row("CPU ms/event: rabbitmq, while relaying", [s["relay_cpu"]["rabbitmq"] for s in stages])
        table.row("CPU ms/event: postgres, while relaying", [s["relay_cpu"]["postgres"] for s in stages])
        table.row("CPU ms/event: marketing (consumer)", [s["consumer_cpu"]["marketing"] for s in stages])
        table.row("CPU ms/event: rabbitmq, while consuming", [s["consumer_cpu"]["rabbitmq"] for s in stages])
        table.row("CPU ms/event: postgres, while consuming", [s["consumer_cpu"]["postgres"] for s in stages])
    return table


def verdict_lines(results: dict) -> list[str]:
    lines = ["Targets (medians; the benchmark measures, it does not gate):"]
    if burst := results["burst"]:
        sustained = median([b["pipeline_rate"] for b in burst])
        lines.append(f"  sustained >= {TARGET_EVENTS_PER_S:,} events/s: {fmt(sustained)} events/s"
                     f"  {verdict(sustained >= TARGET_EVENTS_PER_S)}")
        if any(b["handled"] < b["events"] for b in burst):
            lines.append("  note: a burst run did not handle every event")
    for rate, runs in results["lag"].items():
        achieved = median([r["commit_rate"] for r in runs])
        kept = achieved >= 0.95 * rate
        p99 = median([r["lag"]["p99"] for r in runs])
        if rate == TARGET_LAG_RATE:
            ok = kept and p99 is not None and p99 <= TARGET_P99_LAG_MS
            lines.append(f"  p99 lag <= {TARGET_P99_LAG_MS} ms at {rate} events/s: {fmt(p99)} ms"
                         f"  {verdict(ok)}")
        if not kept:
            lines.append(f"  note: paced at {rate}/s the writers achieved only {fmt(achieved)}/s: "
                         "that rate is not sustained on this machine")
        if any(r["handled"] < r["events"] for r in runs):
            lines.append(f"  note: paced at {rate}/s a run did not handle every event")
    return lines


def print_report(args, results: dict) -> None:
    settings = (f"CRM_MAX_WORKERS={args.max_workers or 'default (10)'}, "
                f"CRM_RELAY_POLL_INTERVAL_S={args.relay_poll_interval or 'default (1.0)'}, "
                f"{os.cpu_count()} CPUs")
    vacuum = ("not vacuumed between measurements" if args.no_vacuum
              else "VACUUM ANALYZE outbox between measurements")
    settings += f"\nPostgreSQL autovacuum={results['autovacuum']}; {vacuum}"
    lines = ["", "Event pipeline: sales outbox -> relay -> RabbitMQ -> marketing inbox", settings, ""]
    lines += report_table(args, results).lines + [""] + verdict_lines(results)
    print("\n".join(lines), flush=True)


# --- main ---------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, action="append",
                        help="paced rate for the lag measurement, events/s; repeat the option "
                             "for several (default: 500 and 1000)")
    parser.add_argument("--seconds", type=float, default=20, help="duration of each paced run")
    parser.add_argument("--burst", type=int, default=20000, help="events per burst run")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writer green threads")
    parser.add_argument("--events-per-commit", type=int, default=1,
                        help="burst only: accounts (events) per writer transaction, as an import "
                             "commits them; 1 = one per transaction, as the create_account RPC")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--raw-messages", type=int, default=20000)
    parser.add_argument("--raw-prefetch", type=int, default=100)
    parser.add_argument("--max-workers", type=int, help="CRM_MAX_WORKERS for the services")
    parser.add_argument("--relay-poll-interval", type=float, help="CRM_RELAY_POLL_INTERVAL_S")
    parser.add_argument("--service-env", action="append", default=[], metavar="CRM_X=VALUE",
                        help="any other setting for both services, e.g. CRM_EVENT_LINGER_MS=20")
    parser.add_argument("--no-vacuum", action="store_true",
                        help="do not VACUUM the sales outbox between measurements (with "
                             "autovacuum off, as on the development machines, the relay's "
                             "query then slows down as published rows pile up)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["raw", "burst", "lag", "stages"])
    parser.add_argument("--logs", help="directory for the services' logs (default: a temp dir)")
    parser.add_argument("--json", help="also write every run's figures to this file")
    args = parser.parse_args(argv)
    args.rate = args.rate or [500, 1000]
    return args


def run_measurements(args, suite: Suite) -> dict:
    results = {"raw": [], "burst": [], "lag": {}, "stages": [], "autovacuum": "?"}
    writers = SalesWriters(suite.sales_url, args.writers, args.events_per_commit)
    observer = Observer(suite)
    cpu = CpuMeter(suite)
    repeats = range(1, args.repeats + 1)
    try:
        results["autovacuum"] = observer.autovacuum()
        log("warm-up: 500 events")
        measure_burst(writers, observer, cpu, 500, "warmup")
        for i in repeats if "raw" not in args.skip else ():
            publish, consume = raw_broker_baseline(suite.amqp_uri, args.raw_messages, args.raw_prefetch)
            results["raw"].append((publish, consume))
            log(f"raw {i}: publish {publish:,.0f}/s, consume+ack {consume:,.0f}/s")
        for i in repeats if "burst" not in args.skip else ():
            settle(observer, not args.no_vacuum)
            run = measure_burst(writers, observer, cpu, args.burst, f"burst{i}")
            results["burst"].append(run)
            log(f"burst {i}: {run['pipeline_rate']:,.0f} events/s, commits {run['commit_rate']:,.0f}/s,"
                f" peak outbox {run['peak_outbox']}, peak queue {run['peak_queue']}")
        for rate in args.rate if "lag" not in args.skip else ():
            results["lag"][rate] = []
            for i in repeats:
                settle(observer, not args.no_vacuum)
                run = measure_lag(writers, observer, cpu, rate, args.seconds, f"lag{rate}-{i}")
                results["lag"][rate].append(run)
                log(f"@{rate}/s run {i}: commits {run['commit_rate']:,.0f}/s, lag p50 "
                    f"{fmt(run['lag']['p50'])} p99 {fmt(run['lag']['p99'])} max {fmt(run['lag']['max'])} ms")
        for i in repeats if "stages" not in args.skip else ():
            settle(observer, not args.no_vacuum)
            run = measure_stages(suite, writers, observer, cpu, args.burst, f"stages{i}")
            results["stages"].append(run)
            log(f"stages {i}: writers {run['commit_rate']:,.0f}/s, relay {run['relay_rate']:,.0f}/s,"
                f" consumer {run['consumer_rate']:,.0f}/s")
    finally:
        observer.close()
        writers.close()
    return results


def interrupt(signum, frame):
    """SIGTERM unwinds like Ctrl-C, so the suite is torn down either way."""
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    # py-amqp warns about late frames on channels we close; nothing a reader needs.
    logging.getLogger("amqp").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, interrupt)
    started = datetime.now(timezone.utc)
    try:
        with isolated_suite(args) as suite:
            results = run_measurements(args, suite)
    except KeyboardInterrupt:
        log("interrupted; the suite was torn down")
        return 130
    print_report(args, results)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"started": started.isoformat(), "args": vars(args), "results": results},
            default=str, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
