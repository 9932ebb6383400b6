"""Helpers of the marketing service tests: sales' events from sales' own contract fixtures,
delivered on the bus, and waiting until marketing has handled them."""
import copy
import uuid

from crmkit.testing.bus import publish_event
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until


def sales_event(event_type: str, **payload_changes) -> dict:
    """Sales' own example of the event (its contract fixture) with a fresh event id."""
    example = copy.deepcopy(example_event("sales", event_type))
    example["event_id"] = str(uuid.uuid4())
    example["payload"].update(payload_changes)
    return example


def handled(service, envelope) -> bool:
    return bool(service.sql.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=envelope["event_id"]))


def deliver(service, *envelopes) -> None:
    """Publish sales events on the bus and wait until marketing has handled each."""
    for envelope in envelopes:
        publish_event(service.amqp_uri, envelope)
    for envelope in envelopes:
        wait_until(lambda: handled(service, envelope), timeout=30,
                   message=f"{envelope['event_type']} {envelope['event_id']} handled")
