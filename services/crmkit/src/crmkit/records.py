"""Turning database rows into JSON-safe dicts for RPC replies and event payloads:
UUIDs, Decimals (money stays exact: as a string), dates and times as ISO 8601 strings."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal


def json_safe(value):
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: every time in the suite must be timezone-aware")
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value
