"""The nameko dependency that gives each worker a SQLAlchemy 2 unit of work.

A unit of work is one transaction. Events recorded with `uow.add_event` are written to the
outbox table inside that transaction, so the change and its events commit (or roll back)
together; a NOTIFY in the same transaction wakes the relay the moment it commits.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Iterator

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from crmkit import green
from crmkit.envelope import Envelope, as_correlation_id
from crmkit.tables import outbox

OUTBOX_CHANNEL = "crm_outbox"


def events_exchange_name(service: str) -> str:
    return f"{service}.events"


class UnitOfWork:
    def __init__(self, session: Session, service: str, correlation_id: str | None):
        self.session = session
        self.service = service
        self.correlation_id = correlation_id
        self.events: list[Envelope] = []

    def add_event(self, event_type: str, payload: dict, version: int = 1) -> Envelope:
        # Fail here, inside the transaction, rather than in the relay after commit.
        json.dumps(payload)
        envelope = Envelope(event_type=event_type, producer=self.service, payload=payload,
                            version=version, correlation_id=self.correlation_id)
        self.session.execute(insert(outbox).values(
            event_id=envelope.event_id,
            event_type=event_type,
            exchange=events_exchange_name(self.service),
            routing_key=event_type,
            envelope=envelope.to_dict(),
        ))
        self.events.append(envelope)
        return envelope

    def _before_commit(self) -> None:
        if self.events:
            # Delivered to listeners only when (and if) the transaction commits.
            self.session.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))


class DatabaseAccess:
    """What a worker sees as `self.db`."""

    def __init__(self, sessions: sessionmaker, service: str, correlation_id: str | None):
        self._sessions = sessions
        self.service = service
        self.correlation_id = correlation_id

    @contextmanager
    def unit_of_work(self, correlation_id: str | None = None) -> Iterator[UnitOfWork]:
        session = self._sessions()
        try:
            with session.begin():
                correlation = as_correlation_id(correlation_id or self.correlation_id)
                uow = UnitOfWork(session, self.service, correlation)
                yield uow
                uow._before_commit()
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries only; nothing it does is committed."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
                session.rollback()
        finally:
            session.close()


def make_engine(url: str, pool_size: int = 10):
    green.use_cooperative_psycopg()
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True,
                         pool_recycle=1800)


class Database(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.service = config.get("SERVICE_NAME", self.container.service_name)
        workers = int(config.get("max_workers", 10))
        self.engine = make_engine(config["DATABASE_URL"], pool_size=workers + 2)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def stop(self) -> None:
        self.engine.dispose()

    def kill(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx) -> DatabaseAccess:
        # The gateway sends its request id as nameko context data; events set their own.
        correlation_id = worker_ctx.context_data.get("correlation_id")
        return DatabaseAccess(self.sessions, self.service, correlation_id)
