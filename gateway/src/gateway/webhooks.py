"""Webhook rules, pure: how a body is signed, which subscriptions an event goes to, when a
failed delivery is tried again and when it is parked. The I/O lives in webhooks_consumer
(bus -> delivery rows) and webhooks_dispatcher (delivery rows -> HTTP POSTs)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-CRM-Signature"
PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"
ALL_EVENTS = "*"


def signature(secret: str, body: bytes) -> str:
    """The X-CRM-Signature value: `sha256=<hex HMAC-SHA256 of the exact body>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (and what the tests do): constant-time comparison."""
    return hmac.compare_digest(signature(secret, body), header or "")


def subscribed(event_types: list[str], event_type: str) -> bool:
    return ALL_EVENTS in event_types or event_type in event_types


def is_success(status_code: int) -> bool:
    return 200 <= status_code < 300


def after_failure(attempts: int, now: datetime, delays_s: tuple[float, ...]) -> tuple[str, datetime | None]:
    """(status, next_attempt_at) after the `attempts`-th attempt failed: the next delay of the
    back-off, or parked once every delay has been waited (attempts == len(delays) + 1)."""
    if attempts > len(delays_s):
        return PARKED, None
    return PENDING, now + timedelta(seconds=delays_s[attempts - 1])
