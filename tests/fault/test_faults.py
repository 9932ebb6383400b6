"""Faults injected while the three flows of EVENTS.md run through the gateway at a steady rate
(traffic.py); after each, with nobody touching anything: /ready green again, every accepted
request's effects there exactly once (leads, orders, bookings, time spent, contract deductions,
campaign metrics: expected = found), no outbox row left unpublished in any database, every
event a service consumes handled exactly once per handler, and a poison message parked in the
dead-letter queue while the rest kept flowing. Figures are printed (run with -s) and recorded
in docs/RELIABILITY.md.

Run: cd tests && ../.venv/bin/python -m pytest -m fault -s fault/"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest
from crmkit.config import SERVICES
from crmkit.testing.bus import publish_event
from crmkit.testing.infra import queue_depth
from crmkit.testing.waiting import wait_until
from kombu import Connection
from nameko.standalone.events import get_event_exchange

from traffic import Checked, Traffic

pytestmark = pytest.mark.fault

# Traffic windows, not synchronisation: the flows keep sending while the test waits (what
# the suite checks afterwards is awaited with wait_until in settle_and_check).
BEFORE_S, AFTER_S = 5, 10  # traffic before the fault, and after it is over
DOWN_S = 2  # a killed service stays down this long before the supervisor restarts it
CONVERGE_S = 180  # generous: 2 shared cores, and services reconnecting with back-off
SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


def consumed_events() -> dict[str, set[tuple[str, str]]]:
    """consumer -> {(producer, event type)}, from the contracts each service keeps of what it consumes."""
    return {service: {(path.parent.name, path.name.split(".")[0])
                      for path in (SERVICES_DIR / service / "src" / service / "contracts" / "consumes").glob("*/*.json")}
            for service in SERVICES}


class Supervisor:
    """What systemd or Kubernetes does for a deployment: a service process that exits is
    started again. Restarts are counted and reported with each fault's figures (a restart is
    a finding: the process should have ridden the fault out)."""

    def __init__(self, suite) -> None:
        self.suite, self.restarts = suite, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="supervisor")

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for component, process in list(self.suite.processes.processes.items()):
                if process.poll() is not None and self.suite.processes.processes.get(component) is process:
                    self.restarts[component] = self.restarts.get(component, 0) + 1
                    self.suite.processes.start(component)

    def __enter__(self) -> "Supervisor":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.fixture
def supervisor(suite):
    with Supervisor(suite) as running:
        yield running


@pytest.fixture
def traffic(suite, api, supervisor):
    running = Traffic(suite.url, {"Authorization": api.headers["Authorization"]}).start()
    running.supervisor = supervisor
    yield running
    running.stop()


def vhost(suite) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(suite.env["CRM_AMQP_URI"]).path[1:])


def ready(suite) -> bool:
    try:
        return httpx.get(f"{suite.url}/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(checks, what: str):
    """wait_until on a function returning checks, failing with the ones that do not hold."""
    last: list = []

    def converged() -> bool:
        last[:] = checks()
        return all(check.holds for check in last)

    try:
        wait_until(converged, timeout=CONVERGE_S, interval=2, message=what)
    except AssertionError as timeout:
        failing = [(check.name, check.expected, check.found) for check in last if not check.holds]
        raise AssertionError(f"{timeout}; not holding: {failing}") from None
    return last


def outbox_checks(dbs: dict) -> list[Checked]:
    return [Checked(f"{service} outbox rows not published", 0,
                  db.scalar("SELECT count(*) FROM outbox WHERE status <> 'published'")) for service, db in dbs.items()]


def inbox_checks(dbs: dict) -> list[Checked]:
    """Every event a service consumes, produced (its producer's outbox) = handled once by each
    of its handlers (distinct event ids in the consumer's inbox, one row per event and handler)."""
    checks = []
    for consumer, events in consumed_events().items():
        for producer, event_type in sorted(events):
            produced = dbs[producer].scalar("SELECT count(*) FROM outbox WHERE event_type = :t", t=event_type)
            handlers = dbs[consumer].rows(
                "SELECT handler, count(*) AS n FROM inbox WHERE producer = :p AND event_type = :t GROUP BY handler",
                p=producer, t=event_type) or [{"handler": "(none)", "n": 0}]
            checks += [Checked(f"{event_type} {producer} -> {consumer} {row['handler']}", produced, row["n"])
                       for row in handlers]
    return checks


def settle_and_check(name: str, suite, api, sql, traffic: Traffic, started: float, **noted) -> dict:
    """Stop the traffic, wait for the effects to converge, assert the invariants, report."""
    traffic.stop()
    duration = time.monotonic() - started
    wait_until(lambda: ready(suite), timeout=CONVERGE_S, interval=1, message="the suite ready again")
    dbs = {service: sql(suite.database_url(service)) for service in SERVICES}
    effects = wait_for(lambda: traffic.check(dbs, api), f"{name}: every accepted request's effects exactly once")
    wait_for(lambda: outbox_checks(dbs), f"{name}: every outbox drained")
    events = wait_for(lambda: inbox_checks(dbs), f"{name}: every event handled once per handler")
    record = {"fault": name, "seconds": round(duration, 1), **noted,
              "traffic": {flow.name: flow.traffic() for flow in traffic.flows},
              "expected = found": {check.name: check.figure() for check in effects},
              "events produced = handled": sum(check.expected for check in events),
              "processes restarted after exiting": dict(traffic.supervisor.restarts)}
    print(f"\nFAULT {json.dumps(record, indent=1)}")
    return record


def kill(suite, service: str) -> None:
    """SIGKILL the service's process group (no goodbye: unacked deliveries go back to the queue)."""
    process = suite.processes.processes.pop(service)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def solver_running(process: subprocess.Popen) -> bool:
    """The scheduler handles a QuoteAccepted by solving in a child process of its group."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"scheduler.solver_process" in cmdline.read_bytes() and \
                    os.getpgid(int(cmdline.parent.name)) == process.pid:
                return True
        except (OSError, ValueError):
            continue
    return False


def test_rabbitmq_restart(suite, api, sql, traffic, private_servers):
    started = time.monotonic()
    time.sleep(BEFORE_S)
    private_servers[1].restart(down_s=3)
    time.sleep(AFTER_S)
    settle_and_check("RabbitMQ restart", suite, api, sql, traffic, started)


def test_postgresql_restart(suite, api, sql, traffic, private_servers):
    started = time.monotonic()
    time.sleep(BEFORE_S)
    private_servers[0].restart(down_s=3)
    time.sleep(AFTER_S)
    settle_and_check("PostgreSQL restart", suite, api, sql, traffic, started)


def test_sigkill_of_consumers_mid_handling(suite, api, sql, traffic):
    """The scheduler killed while it solves a QuoteAccepted (its solver child running, the
    delivery unacked), service_desk at the same moment; the supervisor restarts them."""
    started = time.monotonic()
    time.sleep(BEFORE_S)
    wait_until(lambda: solver_running(suite.processes.processes["scheduler"]), timeout=60, interval=0.02,
               message="the scheduler solving a QuoteAccepted")
    kill(suite, "scheduler")
    kill(suite, "service_desk")
    time.sleep(DOWN_S)
    suite.processes.start("scheduler")  # what the supervisor (systemd, k8s) does
    suite.processes.start("service_desk")
    time.sleep(AFTER_S)
    settle_and_check("SIGKILL scheduler mid-solve and service_desk", suite, api, sql, traffic, started)


def test_sigkill_of_sales_while_its_relay_has_pending_rows(suite, api, sql, traffic):
    """Sales frozen (SIGSTOP) the moment committed outbox rows wait for its relay, checked
    still pending, then SIGKILLed: rows in a relay pass may be published but never marked
    so; the restarted relay sends them (again), and the consumers' inboxes drop repeats."""
    sales_db = sql(suite.database_url("sales"))
    process = suite.processes.processes["sales"]
    pending_sql = "SELECT count(*) FROM outbox WHERE status = 'pending'"
    started = time.monotonic()
    time.sleep(BEFORE_S)
    caught = {}

    def frozen_with_pending_rows() -> bool:
        if not sales_db.scalar(pending_sql):
            return False
        os.killpg(process.pid, signal.SIGSTOP)
        pending = sales_db.scalar(pending_sql)
        if not pending:
            os.killpg(process.pid, signal.SIGCONT)
            return False
        free = sales_db.scalar("SELECT count(*) FROM (SELECT id FROM outbox WHERE status = 'pending' "
                               "FOR UPDATE SKIP LOCKED) AS unlocked")
        caught.update({"pending at the kill": pending, "of which in a relay pass": pending - free})
        return True

    wait_until(frozen_with_pending_rows, timeout=60, interval=0.005, message="sales' relay with pending rows")
    kill(suite, "sales")
    time.sleep(DOWN_S)
    suite.processes.start("sales")
    time.sleep(AFTER_S)
    record = settle_and_check("SIGKILL sales with outbox rows pending", suite, api, sql, traffic, started, **caught)
    assert record["pending at the kill"] > 0


def republish(amqp_uri: str, envelopes: list[dict]) -> None:
    """Publish envelopes again as their producers did, on one confirming connection."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for envelope in envelopes:
            exchange = get_event_exchange(envelope["producer"], {})
            producer.publish(json.dumps(envelope), exchange=exchange, routing_key=envelope["event_type"],
                             content_type="application/json", content_encoding="utf-8", declare=[exchange])


def test_every_event_delivered_twice(suite, api, sql, traffic):
    started = time.monotonic()
    time.sleep(BEFORE_S)
    envelopes = [row["envelope"] for service in SERVICES
                 for row in sql(suite.database_url(service)).rows("SELECT envelope FROM outbox ORDER BY id")]
    republish(suite.env["CRM_AMQP_URI"], envelopes)
    time.sleep(AFTER_S)
    settle_and_check("every event so far published again", suite, api, sql, traffic, started,
                     republished=len(envelopes))
    assert envelopes


POISONED = {"sales": ("marketing", "CampaignResponseConverted"), "scheduler": ("sales", "QuoteAccepted"),
            "service_desk": ("activities", "ActivityCompleted")}  # the consumer of each flow's event


def test_poison_messages_parked_and_the_rest_flows(suite, api, sql, traffic, crm_servers):
    def depths() -> dict:
        return {consumer: queue_depth(crm_servers.management_url, vhost(suite), f"{consumer}.dead-letters") or 0
                for consumer in POISONED}

    before = depths()
    started = time.monotonic()
    time.sleep(BEFORE_S)
    for producer, event_type in POISONED.values():
        publish_event(suite.env["CRM_AMQP_URI"], {"not": "an envelope"}, producer=producer, event_type=event_type)
    time.sleep(AFTER_S)
    settle_and_check("poison message on each flow's event", suite, api, sql, traffic, started)
    wait_until(lambda: depths() == {consumer: depth + 1 for consumer, depth in before.items()},
               timeout=CONVERGE_S, interval=1, message="each poison message in its consumer's dead-letter queue")
