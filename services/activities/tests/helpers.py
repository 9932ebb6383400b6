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


def event(producer: str, event_type: str, **payload_changes) -> dict:
    """The producer's example message with a fresh event id and some payload changes."""
    import copy
    import uuid

    from crmkit.testing.contracts import example_event

    example = copy.deepcopy(example_event(producer, event_type))
    example["event_id"] = str(uuid.uuid4())
    example["payload"].update(payload_changes)
    return example


def deliver(service, *envelopes, timeout: float = 30) -> None:
    """Publish the envelopes as their producers would and wait until the service handled each."""
    from crmkit.testing.bus import publish_event
    from crmkit.testing.waiting import wait_until

    for envelope in envelopes:
        publish_event(service.amqp_uri, envelope)
    for envelope in envelopes:
        wait_until(lambda: service.sql.scalar("SELECT count(*) FROM inbox WHERE event_id = :e",
                                              e=envelope["event_id"]),
                   timeout=timeout, message=f"{envelope['event_type']} handled")
