"""Bus -> webhook deliveries: the gateway's own durable queue, bound to every producer's
`<service>.events` topic exchange for every routing key, turns each event into one pending
delivery row per active subscription to its type.

The message is acknowledged only after the rows are committed, and a redelivered event
finds its rows already there (unique webhook_id, event_id), so nothing is lost and nothing
is delivered twice by this step. Several gateway processes share the one queue.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from datetime import datetime, timezone

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import tables, webhooks
from gateway.asyncapi import PRODUCERS, exchange_name

log = logging.getLogger(__name__)

QUEUE = "gateway.webhooks"
PREFETCH = 50
RECONNECT_INTERVAL_S = 2.0


def parse(body: bytes) -> tuple[str, str] | None:
    """(event_id, event_type) of an envelope, or None when it is not one."""
    try:
        envelope = json.loads(body)
        return str(uuid.UUID(str(envelope["event_id"]))), str(envelope["event_type"])
    except (ValueError, KeyError, TypeError):
        return None


class Subscriptions:
    """The active subscriptions, read at most once per `ttl_s`: every event on the bus passes
    here, and most match none, so they must not each cost a database round trip (an import
    of 100,000 contacts is 100,000 events). This process's own webhook changes take effect at
    once (`forget`); other gateway processes' within `ttl_s`."""

    def __init__(self, ttl_s: float = 1.0):
        self.ttl_s = ttl_s
        self._rows: list | None = None
        self._read_at = 0.0
        # One read at a time: the consumer handles many events at once, and when the rows
        # expire every one of them would otherwise read them again (a sixth of the gateway's
        # time during an import of 100,000 contacts went to such simultaneous reads).
        self._reading = asyncio.Lock()

    def forget(self) -> None:
        self._rows = None

    def _stale(self) -> bool:
        return self._rows is None or time.monotonic() - self._read_at > self.ttl_s

    async def targets(self, engine: AsyncEngine, event_type: str) -> list:
        if self._stale():
            async with self._reading:
                if self._stale():  # unless another event's read just brought them
                    async with engine.connect() as conn:
                        self._rows = (await conn.execute(
                            select(tables.webhooks.c.id, tables.webhooks.c.event_types)
                            .where(tables.webhooks.c.active.is_(True)))).all()
                    self._read_at = time.monotonic()
        return [row.id for row in self._rows if webhooks.subscribed(row.event_types, event_type)]


async def record(engine: AsyncEngine, body: bytes, subscriptions: Subscriptions | None = None) -> int:
    """Insert the deliveries this event calls for; returns how many were new."""
    parsed = parse(body)
    if parsed is None:
        log.warning("not an event envelope; dropped: %r", body[:200])
        return 0
    event_id, event_type = parsed
    now = datetime.now(timezone.utc)
    targets = await (subscriptions or Subscriptions()).targets(engine, event_type)
    if not targets:
        return 0
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(tables.webhook_deliveries).values([
                {"id": uuid.uuid4(), "webhook_id": webhook_id, "event_id": event_id,
                 "event_type": event_type, "body": body.decode(), "status": webhooks.PENDING,
                 "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now}
                for webhook_id in targets])
            .on_conflict_do_nothing(constraint="webhook_deliveries_webhook_event_key"))
        return result.rowcount


async def declare_queue(channel, producers: tuple[str, ...] = PRODUCERS):
    """The durable queue bound to every producer's events. `python -m gateway migrate`
    declares it too, so events published before the first gateway starts wait in it."""
    queue = await channel.declare_queue(QUEUE, durable=True)
    for producer in producers:
        # Declared as nameko declares it, so whoever comes first the exchange is the same.
        exchange = await channel.declare_exchange(exchange_name(producer), aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        await queue.bind(exchange, routing_key="#")
    return queue


async def declare_topology(amqp_uri: str) -> None:
    connection = await aio_pika.connect(amqp_uri)
    async with connection:
        await declare_queue(await connection.channel())


class WebhookConsumer:
    def __init__(self, amqp_uri: str, engine: AsyncEngine, producers: tuple[str, ...] = PRODUCERS):
        self._amqp_uri = amqp_uri
        self._engine = engine
        self._producers = producers
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._task: asyncio.Task | None = None
        self.subscriptions = Subscriptions()

    async def start(self) -> None:
        """Returns at once; connects in the background (and keeps trying) so a bus that is
        down at startup does not keep the gateway from serving."""
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self._connect()
                return
            except Exception:  # noqa: BLE001 - retried; the bus may come up later
                log.warning("webhook consumer cannot reach the bus; retrying", exc_info=True)
                await asyncio.sleep(RECONNECT_INTERVAL_S)

    async def _connect(self) -> None:
        self._connection = await aio_pika.connect_robust(self._amqp_uri)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=PREFETCH)
        queue = await declare_queue(channel, self._producers)
        await queue.consume(self._on_message)
        log.info("webhook consumer bound to %s", ", ".join(map(exchange_name, self._producers)))

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            await record(self._engine, message.body, self.subscriptions)
        except Exception:  # noqa: BLE001 - the database may be away; the bus keeps the event
            log.exception("could not record webhook deliveries; the event is requeued")
            await asyncio.sleep(RECONNECT_INTERVAL_S)
            await message.nack(requeue=True)
            return
        await message.ack()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._connection is not None:
            await self._connection.close()
