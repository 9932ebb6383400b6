"""Reliable, idempotent event consumption.

nameko's EventHandler acks and DROPS an event whose handler raises. ReliableEventHandler
instead re-publishes it to a delay queue (back-off) and, after `CRM_MAX_ATTEMPTS`, parks it
in the service's dead-letter queue; only then is the original acked. Re-publish-then-ack can
deliver twice if the process dies in between: the inbox makes that harmless.

`handles(source, event_type)` is the decorator services use: it validates the envelope and
runs the handler in one unit of work with an inbox row (event_id, handler), so effects and
"seen" commit together and a redelivered event changes nothing.

Batches: under load, the events waiting in a queue are handled several at a time in ONE
transaction (one inbox insert, one commit, then each message acked). A transaction per event
cost more CPU than the handlers themselves (docs/BENCHMARKS.md). If anything in a batch fails,
the batch rolls back and its events are handled again one per transaction, so one bad event
neither blocks nor fails the others and each keeps its own retry count. A batch starts at most
`CRM_EVENT_LINGER_MS` (20 ms) after its first event arrived, or at once when it is full: without
that short wait a consumer that keeps up would start a transaction per event again.
"""
from __future__ import annotations

import functools
import logging
import sys
from datetime import datetime, timezone

import eventlet

from kombu import Connection
from kombu.pools import producers
from nameko.events import EventHandler
from opentelemetry import trace
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer
from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert

from crmkit import logs, metrics, tracing
from crmkit.config import consumer_settings_from
from crmkit.envelope import Envelope, as_correlation_id
from crmkit.failures import database_unreachable
from crmkit.tables import inbox
from crmkit.topology import dead_letter_queue_name, declare_failure_handling, retry_exchange_name

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-crm-attempts"
ERROR_HEADER = "x-crm-last-error"
QUEUE_HEADER = "x-crm-original-queue"
HANDLER_HEADER = "x-crm-handler"
PARKED_AT_HEADER = "x-crm-parked-at"


# Events waiting per consumer (AMQP prefetch), hence the largest batch.
DEFAULT_EVENT_PREFETCH = 100
# Batches of one handler running at once: two overlap one's database waits with the other's
# Python work; more would only split the backlog into smaller batches.
BATCHES_IN_FLIGHT = 2
DEFAULT_EVENT_LINGER_MS = 20


class EventQueueConsumer(QueueConsumer):
    """nameko's queue consumer, with a prefetch of its own for event queues: nameko ties it
    to max_workers (10 by default), which would cap every batch at 10 events. A separate
    shared extension from the RPC consumer, so RPC keeps nameko's prefetch."""

    @property
    def prefetch_count(self) -> int:
        return int(self.container.config.get("CRM_EVENT_PREFETCH", DEFAULT_EVENT_PREFETCH))


class ReliableEventHandler(EventHandler):
    queue_consumer = EventQueueConsumer()

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        self.settings = consumer_settings_from(config)
        # Declared by nameko when consuming starts: it must match what migrate declared.
        self.queue.queue_arguments = self.settings.queue_arguments()
        self.max_batch = self.queue_consumer.prefetch_count
        self.linger_s = float(config.get("CRM_EVENT_LINGER_MS", DEFAULT_EVENT_LINGER_MS)) / 1000
        self._waiting: list = []  # (body, message) received, not yet in a batch
        self._batches_running = 0
        self._lingering = False
        self.service = config.get("SERVICE_NAME", self.container.service_name)
        self.publish_connection = Connection(config["AMQP_URI"],
                                             transport_options={"confirm_publish": True})
        with Connection(config["AMQP_URI"]) as conn:
            declare_failure_handling(conn.channel(), self.service, self.settings)

    def stop(self) -> None:
        super().stop()
        self.publish_connection.release()

    def handle_message(self, body, message):
        self._waiting.append((body, message))
        if len(self._waiting) >= self.max_batch or self.linger_s <= 0:
            self._start_batches()
        elif not self._lingering:
            self._lingering = True
            self.container.spawn_managed_thread(self._start_after_linger)

    def _start_after_linger(self) -> None:
        eventlet.sleep(self.linger_s)
        self._lingering = False
        self._start_batches()

    def _start_batches(self) -> None:
        while self._waiting and self._batches_running < BATCHES_IN_FLIGHT:
            batch = self._waiting[:self.max_batch]
            del self._waiting[:self.max_batch]
            messages = [message for _, message in batch]
            self._batches_running += 1
            try:
                # The service method receives the bodies and returns one outcome per event.
                self.container.spawn_worker(
                    self, ([body for body, _ in batch],), {}, context_data={},
                    handle_result=functools.partial(self.handle_batch_result, messages))
            except ContainerBeingKilled:
                self._batches_running -= 1
                for message in messages:
                    self.queue_consumer.requeue_message(message)

    def handle_batch_result(self, messages, worker_ctx, result=None, exc_info=None):
        try:
            # exc_info: the batch failed outside any handler (e.g. a dependency); result: one
            # exc_info or None per event.
            outcomes = [exc_info] * len(messages) if exc_info is not None else result
            for message, failure in zip(messages, outcomes):
                self._settle(message, failure)
        finally:
            self._batches_running -= 1
            if self._waiting:
                # Not from here: this worker still holds its pool slot, and spawning the next
                # batch may have to wait for that slot.
                self.container.spawn_managed_thread(self._start_batches)
        return result, exc_info

    def _settle(self, message, failure) -> None:
        if failure is not None:
            try:
                self._reroute(message, failure)
            except Exception:
                # Could not hand the event on: keep it in its queue rather than lose it.
                log.exception("could not re-route failed event; requeueing it")
                self.queue_consumer.requeue_message(message)
                return
        self.queue_consumer.ack_message(message)

    def _reroute(self, message, exc_info) -> None:
        headers = dict(message.headers or {})
        headers[ERROR_HEADER] = f"{exc_info[0].__name__}: {exc_info[1]}"[:1000]
        if database_unreachable(exc_info[1]):
            # Not the event's fault: it waits (a middle delay of the back-off) for as long as
            # the database is away, and the attempt does not count towards parking it.
            exchange = retry_exchange_name(self.service, self.settings.delay_for(2))
            routing_key = self.queue.name
            log.warning("event handler %s: the database is unreachable; the event waits: %s",
                        self.method_name, headers[ERROR_HEADER])
            self._publish(message, exchange, routing_key, headers)
            return
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        headers[ATTEMPTS_HEADER] = attempts
        if attempts < self.settings.max_attempts:
            exchange = retry_exchange_name(self.service, self.settings.delay_for(attempts))
            routing_key = self.queue.name
            log.warning("event handler %s failed (attempt %d), retrying: %s",
                        self.method_name, attempts, headers[ERROR_HEADER])
        else:
            headers[QUEUE_HEADER] = self.queue.name
            headers[HANDLER_HEADER] = self.method_name
            headers[PARKED_AT_HEADER] = datetime.now(timezone.utc).isoformat()
            exchange, routing_key = "", dead_letter_queue_name(self.service)
            log.error("event handler %s failed %d times; parked in %s", self.method_name,
                      attempts, routing_key)
        self._publish(message, exchange, routing_key, headers)

    def _publish(self, message, exchange: str, routing_key: str, headers: dict) -> None:
        with producers[self.publish_connection].acquire(block=True, timeout=10) as producer:
            producer.publish(
                message.body, exchange=exchange, routing_key=routing_key, headers=headers,
                content_type=message.content_type, content_encoding=message.content_encoding,
                delivery_mode=2, message_id=message.properties.get("message_id"),
                retry=True, retry_policy={"max_retries": 3},
            )


# Built once: this runs for every event every service handles.
CLAIM = (insert(inbox)
         .values({column: bindparam(column) for column in
                  ("event_id", "handler", "event_type", "producer", "occurred_at")})
         .on_conflict_do_nothing()
         .returning(inbox.c.event_id))


def claim(connection, envelopes: list[Envelope], handler: str) -> set[str]:
    """Record that `handler` handles these events; the ids of those it had not handled yet."""
    unique = {envelope.event_id: envelope for envelope in envelopes}.values()
    inserted = connection.execute(CLAIM, [
        {"event_id": envelope.event_id, "handler": handler, "event_type": envelope.event_type,
         "producer": envelope.producer, "occurred_at": envelope.occurred_at}
        for envelope in unique])
    return {str(row.event_id) for row in inserted}


def _handle_in_one_transaction(service, method, handler: str, bodies: list):
    """None if every event was handled (or already had been); otherwise (position of the event
    that failed, or None when no single event is to blame, exc_info)."""
    position = None
    duplicates = 0
    done = []
    try:
        with service.db.unit_of_work() as uow:
            envelopes = []
            for position, body in enumerate(bodies):
                envelopes.append(Envelope.from_dict(body))
            position = None
            fresh = claim(uow.connection, envelopes, handler)
            for position, envelope in enumerate(envelopes):
                if envelope.event_id not in fresh:  # handled before, or a 2nd copy in this batch
                    log.info("%s: event %s already handled", handler, envelope.event_id)
                    duplicates += 1
                    continue
                fresh.discard(envelope.event_id)
                # What this event causes carries the id of the request that started it all,
                # so one id follows a flow across services (or the event's own, if none).
                cause = envelope.correlation_id or envelope.event_id
                uow.correlation_id = as_correlation_id(cause)
                logs.correlation_id.set(cause)
                with tracing.span(f"handle {envelope.producer}.{envelope.event_type}", envelope.traceparent,
                                  kind=trace.SpanKind.CONSUMER, handler=handler, event_id=envelope.event_id):
                    method(service, uow, envelope)
                done.append((cause, envelope))
            position = None  # from here on a failure is the commit's
        for cause, envelope in done:  # logged once committed, each under its own correlation id
            logs.correlation_id.set(cause)
            log.info("%s handled %s %s", handler, envelope.event_type, envelope.event_id)
        metrics.count_handled(service.name, handler, {"handled": len(bodies) - duplicates,
                                                      "duplicate": duplicates}, len(bodies))
        return None
    except Exception:
        return position, sys.exc_info()


def handle_batch(service, method, handler: str, bodies: list) -> list:
    """Handle events in as few transactions as possible. Returns, per event in order, None
    (done) or the exc_info of its failure.

    All in one transaction first. When the event at position k fails, the batch rolled back:
    the events before k are handled again together, k alone (it fails again, or it was
    transient), then the rest, so a poison event costs one extra transaction, not one per event.
    """
    outcomes: list = [None] * len(bodies)
    todo = [list(range(len(bodies)))]
    while todo:
        indexes = todo.pop()
        if not indexes:
            continue
        failure = _handle_in_one_transaction(service, method, handler, [bodies[i] for i in indexes])
        if failure is None:
            continue
        position, exc_info = failure
        if len(indexes) == 1:
            outcomes[indexes[0]] = exc_info
            metrics.count_handled(service.name, handler, {"failed": 1}, 1)
        elif position is None:  # nobody to blame: one transaction each
            todo.extend([i] for i in reversed(indexes))
        else:  # popped last-in first-out: before, then the failing one, then after
            todo.extend([indexes[position + 1:], [indexes[position]], indexes[:position]])
    return outcomes


def handles(source_service: str, event_type: str):
    """Make a service method `(self, uow, envelope)` a reliable, idempotent event handler.
    The service must have a `db = Database()` dependency."""

    def decorate(method):
        @functools.wraps(method)
        def handle(self, bodies):
            return handle_batch(self, method, method.__name__, bodies)

        return ReliableEventHandler.decorator(source_service, event_type)(handle)

    return decorate
