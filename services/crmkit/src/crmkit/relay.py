"""The outbox relay: publishes committed outbox rows with batched publisher confirms.

Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED, so several replicas of a service can
relay at once without publishing a row twice; a failed batch stays pending with back-off.
The relay sleeps on LISTEN crm_outbox (a unit of work NOTIFYs on commit) and polls anyway
every `CRM_RELAY_POLL_INTERVAL_S` to pick up retries and rows written by other processes.
Passes are at least `min_pass_interval_s` apart: an idle system's first event goes out at
once, while a busy one gathers many events per pass (one select, one confirm wait, one
update and one commit per pass, whatever its size).
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import psycopg
from nameko.extensions import DependencyProvider
from sqlalchemy import Text, cast, delete, func, select, update

from crmkit import metrics
from crmkit.database import OUTBOX_CHANNEL, make_engine
from crmkit.publisher import ConfirmingPublisher, OutgoingMessage, PublishFailed
from crmkit.tables import outbox

log = logging.getLogger(__name__)


def retry_backoff(attempts: int) -> timedelta:
    """0.5 s, 1 s, 2 s, ... capped at 30 s: the broker is usually back within seconds."""
    return timedelta(seconds=min(0.5 * 2 ** max(attempts - 1, 0), 30.0))


PURGE_EVERY_S = 600.0
PURGE_SLICE = 5000


class OutboxRelayLoop:
    def __init__(self, database_url: str, amqp_uri: str, service: str = "", batch_size: int = 500,
                 poll_interval_s: float = 1.0, min_pass_interval_s: float = 0.025,
                 retention: timedelta = timedelta(hours=72)):
        self.engine = make_engine(database_url, pool_size=2)
        self.libpq_url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.publisher = ConfirmingPublisher(amqp_uri)
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.min_pass_interval_s = min_pass_interval_s
        self.retention = retention
        self._next_purge = time.monotonic() + PURGE_EVERY_S
        self.stopping = threading.Event()
        self._listener: psycopg.Connection | None = None

    def publish_pending(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                # The envelope as JSON text: published as stored, not parsed and serialised
                # again for every event (bulk imports put 1,000 in the outbox per chunk).
                select(outbox.c.id, outbox.c.event_id, outbox.c.exchange, outbox.c.routing_key,
                       cast(outbox.c.envelope, Text).label("envelope"), outbox.c.attempts)
                .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= func.now())
                .order_by(outbox.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            ids = [row.id for row in rows]
            try:
                self.publisher.publish_batch([
                    OutgoingMessage(exchange=row.exchange, routing_key=row.routing_key,
                                    body=row.envelope, message_id=str(row.event_id))
                    for row in rows
                ])
            except PublishFailed as exc:
                attempts = max(row.attempts for row in rows) + 1
                log.warning("outbox: %d events not published (attempt %d): %s", len(rows), attempts, exc)
                conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(
                    attempts=outbox.c.attempts + 1,
                    last_error=str(exc)[:2000],
                    next_attempt_at=func.now() + retry_backoff(attempts),
                ))
                return 0
            conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(
                status="published", published_at=func.now(), attempts=outbox.c.attempts + 1,
                last_error=None))
        # Counted once committed: a row counts as published when it is marked so.
        metrics.count_published(self.service, [row.routing_key for row in rows])
        return len(rows)

    def purge_published(self) -> int:
        """Delete rows published longer ago than the retention; returns how many."""
        purged = 0
        while True:
            with self.engine.begin() as conn:
                # In id order from the oldest: the primary key finds old rows first and the
                # scan stops after a slice, so no extra index is needed.
                oldest = (select(outbox.c.id)
                          .where(outbox.c.status == "published",
                                 outbox.c.published_at < func.now() - self.retention)
                          .order_by(outbox.c.id).limit(PURGE_SLICE))
                deleted = conn.execute(delete(outbox).where(outbox.c.id.in_(oldest.scalar_subquery()))).rowcount
            purged += deleted
            if deleted < PURGE_SLICE or self.stopping.is_set():
                return purged

    def _purge_when_due(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_S
        try:
            purged = self.purge_published()
            if purged:
                log.info("outbox: deleted %d events published more than %s ago", purged, self.retention)
        except Exception:  # a purge can wait for the next round; publishing must go on
            log.exception("outbox: purge failed")

    def _wait_for_notification(self) -> None:
        try:
            if self._listener is None or self._listener.closed:
                self._listener = psycopg.connect(self.libpq_url, autocommit=True)
                self._listener.execute(f"LISTEN {OUTBOX_CHANNEL}")
            for _ in self._listener.notifies(timeout=self.poll_interval_s, stop_after=1):
                break
            # Many commits may have notified; one pass over the table serves them all.
            for _ in self._listener.notifies(timeout=0):
                pass
        except psycopg.Error as exc:
            log.warning("outbox: listening failed (%s); polling instead", exc)
            self._close_listener()
            self.stopping.wait(self.poll_interval_s)

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except psycopg.Error:
                pass
            self._listener = None

    def run(self) -> None:
        last_pass = 0.0
        while not self.stopping.is_set():
            since_last = time.monotonic() - last_pass
            if since_last < self.min_pass_interval_s:
                self.stopping.wait(self.min_pass_interval_s - since_last)
            last_pass = time.monotonic()
            try:
                published = self.publish_pending()
            except Exception:  # the database may be restarting: keep the loop alive
                log.exception("outbox: relay pass failed")
                published = 0
                self.stopping.wait(self.poll_interval_s)
            if published < self.batch_size and not self.stopping.is_set():
                self._purge_when_due()
                self._wait_for_notification()

    def close(self) -> None:
        self.stopping.set()
        self._close_listener()
        self.publisher.close()
        self.engine.dispose()


class OutboxRelay(DependencyProvider):
    """Runs the relay in a green thread of the service container."""

    def setup(self) -> None:
        config = self.container.config
        self.loop = OutboxRelayLoop(
            config["DATABASE_URL"], config["AMQP_URI"],
            service=config.get("SERVICE_NAME", self.container.service_name),
            poll_interval_s=float(config.get("CRM_RELAY_POLL_INTERVAL_S", 1.0)),
            min_pass_interval_s=float(config.get("CRM_RELAY_MIN_PASS_MS", 25)) / 1000,
            retention=timedelta(hours=float(config.get("CRM_OUTBOX_RETENTION_H", 72))),
        )

    def start(self) -> None:
        self._thread = self.container.spawn_managed_thread(self.loop.run, identifier="outbox-relay")

    def stop(self) -> None:
        self.loop.stopping.set()
        try:
            self._thread.wait()
        finally:
            self.loop.close()

    def kill(self) -> None:
        self.loop.stopping.set()
        thread = getattr(self, "_thread", None)  # a container may be killed before it started
        if thread is not None:
            thread.kill()
        self.loop.close()

    def get_dependency(self, worker_ctx):
        return self.loop
