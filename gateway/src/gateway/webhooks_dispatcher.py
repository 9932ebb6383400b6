"""Delivery rows -> HTTP: every poll claims the due pending deliveries (SKIP LOCKED, so
several gateway processes share the work), POSTs each signed envelope, and records the
outcome: delivered on a 2xx, otherwise the next back-off or parked after the last one.

A claim pushes next_attempt_at past the request timeout first, so a process that dies mid
POST leaves the delivery to be tried again (at least once), never lost.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import tables, webhooks
from gateway.config import Settings

log = logging.getLogger(__name__)

BATCH = 20
d, w = tables.webhook_deliveries, tables.webhooks


async def claim(engine: AsyncEngine, lease_s: float) -> list:
    now = datetime.now(timezone.utc)
    async with engine.begin() as conn:
        due = (select(d.c.id).where(d.c.status == webhooks.PENDING, d.c.next_attempt_at <= now)
               .order_by(d.c.next_attempt_at).limit(BATCH).with_for_update(skip_locked=True))
        ids = [row.id for row in (await conn.execute(due)).all()]
        if not ids:
            return []
        await conn.execute(update(d).where(d.c.id.in_(ids))
                           .values(next_attempt_at=now + timedelta(seconds=lease_s)))
        query = (select(d.c.id, d.c.body, d.c.attempts, d.c.event_id, d.c.event_type,
                        w.c.url, w.c.secret)
                 .join(w, w.c.id == d.c.webhook_id).where(d.c.id.in_(ids)))
        return (await conn.execute(query)).all()


async def attempt(client: httpx.AsyncClient, row) -> tuple[int | None, str | None]:
    body = row.body.encode()
    headers = {"Content-Type": "application/json",
               webhooks.SIGNATURE_HEADER: webhooks.signature(row.secret, body),
               "X-CRM-Event-Id": str(row.event_id), "X-CRM-Event-Type": row.event_type,
               "X-CRM-Delivery-Id": str(row.id)}
    try:
        response = await client.post(row.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    error = None if webhooks.is_success(response.status_code) else f"HTTP {response.status_code}"
    return response.status_code, error


async def deliver(engine: AsyncEngine, client: httpx.AsyncClient, row,
                  delays_s: tuple[float, ...]) -> None:
    status_code, error = await attempt(client, row)
    now = datetime.now(timezone.utc)
    attempts = row.attempts + 1
    values = {"attempts": attempts, "last_status_code": status_code, "last_error": error,
              "updated_at": now}
    if error is None:
        values.update(status=webhooks.DELIVERED, delivered_at=now, next_attempt_at=None)
    else:
        status, next_at = webhooks.after_failure(attempts, now, delays_s)
        values.update(status=status, next_attempt_at=next_at)
        log.info("webhook delivery %s failed (%s), attempt %d: %s", row.id, error, attempts, status)
    async with engine.begin() as conn:
        await conn.execute(update(d).where(d.c.id == row.id).values(**values))


async def run_once(engine: AsyncEngine, client: httpx.AsyncClient, settings: Settings) -> int:
    rows = await claim(engine, settings.webhook_timeout_s * 3)
    await asyncio.gather(*(deliver(engine, client, row, settings.webhook_retry_delays_s)
                           for row in rows))
    return len(rows)


async def run_forever(engine: AsyncEngine, settings: Settings) -> None:
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_s) as client:
        while True:
            try:
                if await run_once(engine, client, settings) == BATCH:
                    continue  # more are due: no pause
            except Exception:  # noqa: BLE001 - a database hiccup must not end deliveries
                log.exception("webhook dispatch failed; trying again")
            await asyncio.sleep(settings.webhook_poll_interval_s)
