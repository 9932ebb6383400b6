"""Reliable, idempotent event consumption.

nameko's EventHandler acks and DROPS an event whose handler raises. ReliableEventHandler
instead re-publishes it to a delay queue (back-off) and, after `CRM_MAX_ATTEMPTS`, parks it
in the service's dead-letter queue; only then is the original acked. Re-publish-then-ack can
deliver twice if the process dies in between: the inbox makes that harmless.

`handles(source, event_type)` is the decorator services use: it validates the envelope and
runs the handler in one unit of work with an inbox row (event_id, handler), so effects and
"seen" commit together and a redelivered event changes nothing.
"""
from __future__ import annotations

import functools
import logging
from datetime import datetime, timezone

from kombu import Connection
from kombu.pools import producers
from nameko.events import EventHandler
from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert

from crmkit.config import consumer_settings_from
from crmkit.envelope import Envelope
from crmkit.tables import inbox
from crmkit.topology import dead_letter_queue_name, declare_failure_handling, retry_exchange_name

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-crm-attempts"
ERROR_HEADER = "x-crm-last-error"
QUEUE_HEADER = "x-crm-original-queue"
HANDLER_HEADER = "x-crm-handler"
PARKED_AT_HEADER = "x-crm-parked-at"


class ReliableEventHandler(EventHandler):
    def setup(self) -> None:
        super().setup()
        config = self.container.config
        self.settings = consumer_settings_from(config)
        self.service = config.get("SERVICE_NAME", self.container.service_name)
        self.publish_connection = Connection(config["AMQP_URI"],
                                             transport_options={"confirm_publish": True})
        with Connection(config["AMQP_URI"]) as conn:
            declare_failure_handling(conn.channel(), self.service, self.settings)

    def stop(self) -> None:
        super().stop()
        self.publish_connection.release()

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is not None:
            try:
                self._reroute(message, exc_info)
            except Exception:
                # Could not hand the event on: keep it in its queue rather than lose it.
                log.exception("could not re-route failed event; requeueing it")
                self.queue_consumer.requeue_message(message)
                return result, exc_info
        self.queue_consumer.ack_message(message)
        return result, exc_info

    def _reroute(self, message, exc_info) -> None:
        headers = dict(message.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        headers[ATTEMPTS_HEADER] = attempts
        headers[ERROR_HEADER] = f"{exc_info[0].__name__}: {exc_info[1]}"[:1000]
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


def claim(connection, envelope: Envelope, handler: str) -> bool:
    """Record that `handler` handles this event; False if it already did."""
    inserted = connection.execute(CLAIM, {
        "event_id": envelope.event_id, "handler": handler, "event_type": envelope.event_type,
        "producer": envelope.producer, "occurred_at": envelope.occurred_at,
    }).first()
    return inserted is not None


def handles(source_service: str, event_type: str):
    """Make a service method `(self, uow, envelope)` a reliable, idempotent event handler.
    The service must have a `db = Database()` dependency."""

    def decorate(method):
        handler = method.__name__

        @functools.wraps(method)
        def handle(self, body):
            envelope = Envelope.from_dict(body)
            with self.db.unit_of_work(correlation_id=envelope.event_id) as uow:
                if not claim(uow.connection, envelope, handler):
                    log.info("%s: event %s already handled", handler, envelope.event_id)
                    return "duplicate"
                method(self, uow, envelope)
            return "handled"

        return ReliableEventHandler.decorator(source_service, event_type)(handle)

    return decorate
