"""The nameko dependency that gives each worker a SQLAlchemy 2 unit of work.

A unit of work is one transaction on a SQLAlchemy Core connection. Events recorded with
`uow.add_event` are written to the outbox table inside that transaction, so the change and its
events commit (or roll back) together; a NOTIFY in the same transaction wakes the relay the
moment it commits.

Core rather than the ORM Session, and statements built once: measured on the consumer path,
the ORM session and per-call statement building more than doubled the CPU per event
(docs/BENCHMARKS.md). Repositories in the services are Core too.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from nameko.extensions import DependencyProvider
from sqlalchemy import Connection, Engine, bindparam, create_engine, func, insert, select

from crmkit import green, tracing
from crmkit.audit import SET_ACTOR
from crmkit.envelope import Envelope, as_correlation_id
from crmkit.tables import outbox

OUTBOX_CHANNEL = "crm_outbox"
OUTBOX_INSERT = insert(outbox).values({
    column: bindparam(column, type_=outbox.c[column].type)
    for column in ("event_id", "event_type", "exchange", "routing_key", "envelope")})
# The first event of a transaction also queues the NOTIFY, in the same statement: one round
# trip fewer per unit of work. PostgreSQL delivers it to listeners only when (and if) the
# transaction commits, and folds repeats within a transaction into one.
OUTBOX_INSERT_AND_NOTIFY = select(func.pg_notify(OUTBOX_CHANNEL, "")).add_cte(
    OUTBOX_INSERT.cte("written"))


def events_exchange_name(service: str) -> str:
    return f"{service}.events"


class UnitOfWork:
    def __init__(self, connection: Connection, service: str, correlation_id: str | None):
        self.connection = connection
        self.service = service
        self.correlation_id = correlation_id
        self.events: list[Envelope] = []

    def add_event(self, event_type: str, payload: dict, version: int = 1) -> Envelope:
        return self.add_events(event_type, [payload], version)[0]

    def add_events(self, event_type: str, payloads: list[dict], version: int = 1) -> list[Envelope]:
        """Several events of one type in one statement (bulk paths)."""
        traceparent = tracing.current_traceparent()
        envelopes = [Envelope(event_type=event_type, producer=self.service, payload=payload,
                              version=version, correlation_id=self.correlation_id, traceparent=traceparent)
                     for payload in payloads]
        rows = [{"event_id": envelope.event_id, "event_type": event_type,
                 "exchange": events_exchange_name(self.service), "routing_key": event_type,
                 "envelope": envelope.to_dict()} for envelope in envelopes]
        # The JSON column serialises each envelope here, inside the transaction: a payload that
        # is not JSON fails the unit of work, not the relay after commit.
        if rows and not self.events:
            self.connection.execute(OUTBOX_INSERT_AND_NOTIFY, rows[0])
            rows = rows[1:]
        if rows:
            self.connection.execute(OUTBOX_INSERT, rows)
        self.events.extend(envelopes)
        return envelopes


class DatabaseAccess:
    """What a worker sees as `self.db`."""

    def __init__(self, engine: Engine, service: str, correlation_id: str | None,
                 actor_id: str | None = None):
        self._engine = engine
        self.service = service
        self.correlation_id = correlation_id
        self.actor_id = actor_id  # the user on whose behalf this worker acts, for the audit trail

    @contextmanager
    def unit_of_work(self, correlation_id: str | None = None) -> Iterator[UnitOfWork]:
        """Commits when the block ends, rolls back if it raises."""
        with self._engine.begin() as connection:
            if self.actor_id:
                connection.execute(SET_ACTOR, {"actor": self.actor_id})
            correlation = as_correlation_id(correlation_id or self.correlation_id)
            yield UnitOfWork(connection, self.service, correlation)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for queries only, in autocommit: each statement is its own
        transaction. That saves the BEGIN and ROLLBACK round trips of a read-only transaction
        on every read RPC, and loses nothing: under READ COMMITTED the statements of one
        transaction do not share a snapshot either. Nothing may write here (none does)."""
        with self._engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection


def make_engine(url: str, pool_size: int = 10):
    green.use_cooperative_psycopg()
    # No pre-ping: it costs a round trip per unit of work. A connection found dead fails its
    # unit of work once (an event is then retried, an RPC caller gets an error), and
    # SQLAlchemy invalidates the whole pool on that disconnect error.
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_recycle=1800)


class Database(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.service = config.get("SERVICE_NAME", self.container.service_name)
        workers = int(config.get("max_workers", 10))
        self.engine = make_engine(config["DATABASE_URL"], pool_size=workers + 2)

    def stop(self) -> None:
        self.engine.dispose()

    def kill(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx) -> DatabaseAccess:
        # The gateway sends its request id and its user as nameko context data; events set
        # their own correlation, and changes they cause have no user.
        context = worker_ctx.context_data
        return DatabaseAccess(self.engine, self.service, context.get("correlation_id"),
                              actor_id=context.get("user_id"))
