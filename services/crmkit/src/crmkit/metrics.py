"""Prometheus metrics of a service process, served on `CRM_METRICS_PORT` (off when unset).

- crm_rpc_duration_seconds{service, method, outcome}: RPC latency (outcome ok / error)
- crm_events_published_total{service, event_type}: events the relay got confirmed
- crm_events_handled_total{service, handler, outcome}: handled / duplicate / failed
- crm_event_batch_size{service, handler}: events per consumer transaction
- crm_outbox_backlog{service}: outbox rows not yet published (read at scrape time)
- crm_dead_letters{service}: events parked in the service's dead-letter queue (at scrape time)
- crm_solver_duration_seconds{service, status}: constraint-solver runs (the scheduler)

Metric objects are process-wide (one registry): a process normally runs one service, and
tests that run several containers in one process then see all of them, told apart by the
`service` label.
"""
from __future__ import annotations

import logging
import threading
import time

import eventlet
import eventlet.wsgi
from kombu import Connection
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from prometheus_client import REGISTRY, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from crmkit.database import make_engine
from crmkit.tables import outbox
from crmkit.topology import dead_letter_queue_name

log = logging.getLogger(__name__)

RPC_SECONDS = Histogram("crm_rpc_duration_seconds", "Time to serve an RPC, in the service.",
                        ["service", "method", "outcome"],
                        buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter("crm_events_published_total",
                           "Events published by the outbox relay and confirmed by the broker.",
                           ["service", "event_type"])
EVENTS_HANDLED = Counter("crm_events_handled_total", "Events taken by a consumer, by outcome.",
                         ["service", "handler", "outcome"])
EVENT_BATCH_SIZE = Histogram("crm_event_batch_size", "Events per consumer transaction.",
                             ["service", "handler"], buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500))
SOLVER_SECONDS = Histogram("crm_solver_duration_seconds", "Wall time of constraint-solver runs.",
                           ["service", "status"], buckets=(.1, .5, 1, 2.5, 5, 10, 30, 60, 120, 300))


class _BacklogCollector:
    """Reads the outbox backlog and the dead-letter count of every service running in this
    process when Prometheus scrapes, so they are true at that moment, not at the last event."""

    def __init__(self):
        self._sources: dict[str, tuple] = {}  # service -> (engine, amqp_uri)
        self._lock = threading.Lock()

    def add(self, service: str, engine, amqp_uri: str) -> None:
        with self._lock:
            self._sources[service] = (engine, amqp_uri)

    def remove(self, service: str) -> None:
        with self._lock:
            self._sources.pop(service, None)

    def collect(self):
        backlog = GaugeMetricFamily("crm_outbox_backlog", "Outbox rows not yet published.",
                                    labels=["service"])
        parked = GaugeMetricFamily("crm_dead_letters",
                                   "Events parked in the service's dead-letter queue.",
                                   labels=["service"])
        with self._lock:
            sources = dict(self._sources)
        for service, (engine, amqp_uri) in sources.items():
            try:
                with engine.connect() as connection:
                    pending = connection.execute(select(func.count()).select_from(outbox)
                                                 .where(outbox.c.status == "pending")).scalar_one()
                backlog.add_metric([service], pending)
            except Exception as exc:  # a scrape must answer even when the database does not
                log.warning("metrics: outbox backlog of %s unavailable: %s", service, exc)
            try:
                parked.add_metric([service], _queue_depth(amqp_uri, dead_letter_queue_name(service)))
            except Exception as exc:
                log.warning("metrics: dead letters of %s unavailable: %s", service, exc)
        yield backlog
        yield parked


def _queue_depth(amqp_uri: str, queue: str) -> int:
    with Connection(amqp_uri, connect_timeout=2) as connection:
        channel = connection.channel()
        try:
            return channel.queue_declare(queue, passive=True).message_count
        except Exception:
            return 0  # not declared yet: nothing parked


BACKLOG = _BacklogCollector()
REGISTRY.register(BACKLOG)


def count_published(service: str, event_types: list[str]) -> None:
    for event_type in event_types:
        EVENTS_PUBLISHED.labels(service, event_type).inc()


def count_handled(service: str, handler: str, outcomes: dict[str, int], batch_size: int) -> None:
    for outcome, count in outcomes.items():
        if count:
            EVENTS_HANDLED.labels(service, handler, outcome).inc(count)
    EVENT_BATCH_SIZE.labels(service, handler).observe(batch_size)


class _QuietLog:
    """eventlet.wsgi logs every request; scrapes every few seconds would drown the service log."""

    def write(self, data):
        pass


class Metrics(DependencyProvider):
    """Times every RPC of the service and serves /metrics when CRM_METRICS_PORT is set."""

    def setup(self) -> None:
        config = self.container.config
        self.service = config.get("SERVICE_NAME", self.container.service_name)
        self.port = int(config.get("CRM_METRICS_PORT") or 0)
        self._started: dict = {}
        self._server = None
        self._engine = None

    def start(self) -> None:
        if not self.port:
            return
        try:
            sock = eventlet.listen(("0.0.0.0", self.port))
        except OSError as exc:  # metrics are not worth refusing to serve the business for
            log.error("metrics: cannot listen on port %d (%s); /metrics is off", self.port, exc)
            return
        config = self.container.config
        self._engine = make_engine(config["DATABASE_URL"], pool_size=1)
        BACKLOG.add(self.service, self._engine, config["AMQP_URI"])
        self._server = self.container.spawn_managed_thread(
            lambda: eventlet.wsgi.server(sock, make_wsgi_app(), log=_QuietLog()),
            identifier="metrics-http")

    def stop(self) -> None:
        if self._server is not None:
            self._server.kill()
            self._server = None
        if self._engine is not None:
            BACKLOG.remove(self.service)
            self._engine.dispose()
            self._engine = None

    kill = stop

    def worker_setup(self, worker_ctx) -> None:
        if isinstance(worker_ctx.entrypoint, Rpc):
            self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self._started.pop(worker_ctx, None)
        if started is not None:
            RPC_SECONDS.labels(self.service, worker_ctx.entrypoint.method_name,
                               "ok" if exc_info is None else "error").observe(time.perf_counter() - started)
