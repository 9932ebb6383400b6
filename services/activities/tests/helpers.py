"""Shared by the service tests: what the service wrote to its outbox, and field names of errors."""
from __future__ import annotations

from activities.schemas import EVENT_PAYLOADS


def outbox(service, event_type=None) -> list[dict]:
    rows = service.sql.rows("SELECT event_type, envelope FROM outbox ORDER BY id")
    return [row["envelope"] for row in rows if event_type in (None, row["event_type"])]


def valid_payloads(service) -> bool:
    """Every event the service really wrote validates against its published schema."""
    for envelope in outbox(service):
        errors = EVENT_PAYLOADS[envelope["event_type"]]().validate(envelope["payload"])
        assert errors == {}, (envelope["event_type"], errors)
    return True


def bad_fields(raised) -> set[str]:
    return {error["field"] for error in raised.value.errors}
