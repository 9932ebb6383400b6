"""Operator access to a service's dead-letter queue: list parked events, replay them.

Replay sends a parked event straight back to the consumer queue it failed in, with its
attempt count reset, and removes it from the dead-letter queue only once the broker has
confirmed the re-publish.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from kombu import Connection

from crmkit.consumer import (ATTEMPTS_HEADER, ERROR_HEADER, HANDLER_HEADER, PARKED_AT_HEADER,
                             QUEUE_HEADER)
from crmkit.topology import dead_letter_queue_name


@dataclass(frozen=True)
class ParkedEvent:
    event_id: str | None
    event_type: str | None
    producer: str | None
    queue: str
    handler: str | None
    attempts: int
    error: str | None
    parked_at: str | None


def _describe(message) -> ParkedEvent:
    headers = message.headers or {}
    try:
        body = json.loads(message.body)
    except (ValueError, TypeError):
        body = {}
    body = body if isinstance(body, dict) else {}
    return ParkedEvent(
        event_id=body.get("event_id"), event_type=body.get("event_type"),
        producer=body.get("producer"), queue=headers.get(QUEUE_HEADER, "?"),
        handler=headers.get(HANDLER_HEADER), attempts=int(headers.get(ATTEMPTS_HEADER, 0)),
        error=headers.get(ERROR_HEADER), parked_at=headers.get(PARKED_AT_HEADER),
    )


def _drain(channel, queue: str):
    """Fetch every message currently in the queue without acking; closing the channel
    returns the unacked ones to the queue."""
    while True:
        message = channel.basic_get(queue, no_ack=False)
        if message is None:
            return
        yield message


def list_parked(amqp_uri: str, service: str) -> list[ParkedEvent]:
    with Connection(amqp_uri, connect_timeout=10) as conn:
        channel = conn.channel()
        parked = [_describe(message) for message in _drain(channel, dead_letter_queue_name(service))]
        channel.close()  # unacked messages go back to the queue
        return parked


def replay(amqp_uri: str, service: str, event_ids: set[str] | None = None) -> list[ParkedEvent]:
    """Replay the parked events with these ids (all of them when None)."""
    replayed = []
    with Connection(amqp_uri, connect_timeout=10, transport_options={"confirm_publish": True}) as conn:
        fetch = conn.channel()
        producer = conn.Producer(channel=conn.channel())
        for message in _drain(fetch, dead_letter_queue_name(service)):
            parked = _describe(message)
            if event_ids is not None and parked.event_id not in event_ids:
                continue
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in (ATTEMPTS_HEADER, PARKED_AT_HEADER)}
            producer.publish(message.body, exchange="", routing_key=parked.queue, headers=headers,
                             content_type=message.content_type,
                             content_encoding=message.content_encoding, delivery_mode=2)
            fetch.basic_ack(message.delivery_tag)
            replayed.append(parked)
        fetch.close()
    return replayed
