"""The published events' example fixtures are valid envelopes whose payloads match the
schemas, and the payload builders produce the fields the examples show."""
import pytest

from crmkit.envelope import Envelope
from crmkit.testing.contracts import example_event, example_event_types
from scheduler.domain.records import (booking_event_payload, group_event_payload, resource_event_payload,
                                      service_event_payload)
from scheduler.schemas import EVENT_PAYLOADS


def test_every_published_event_has_an_example_and_a_schema():
    assert example_event_types("scheduler") == sorted(EVENT_PAYLOADS)


@pytest.mark.parametrize("event_type", sorted(EVENT_PAYLOADS))
def test_example_is_a_valid_envelope_with_a_valid_payload(event_type):
    envelope = Envelope.from_dict(example_event("scheduler", event_type))
    assert (envelope.event_type, envelope.producer) == (event_type, "scheduler")
    assert EVENT_PAYLOADS[event_type]().validate(envelope.payload) == {}


def test_payload_builders_produce_exactly_the_example_fields():
    booking = {"id": "b", "service_id": "s", "request_id": None, "resource_ids": ["r"], "start": "x", "end": "y",
               "regarding": None, "account_id": None, "attendees": 3, "status": "booked"}
    created = booking_event_payload(booking, {"name": "Course"}, [{"id": "r", "name": "Room", "user_id": None}])
    assert set(created) == set(example_event("scheduler", "BookingCreated")["payload"])
    cancelled = booking_event_payload(booking | {"status": "cancelled"}, {}, []) | {"reason": None}
    assert set(cancelled) == set(example_event("scheduler", "BookingCancelled")["payload"])
    resource = {"id": "r", "name": "Ada", "kind": "user", "capacity": 1, "version": 1}
    assert set(resource_event_payload(resource)) == set(example_event("scheduler", "ResourceCreated")["payload"])
    group = {"id": "g", "name": "Rooms", "member_ids": [], "version": 1}
    assert set(group_event_payload(group)) == set(example_event("scheduler", "ResourceGroupCreated")["payload"])
    service = {"id": "s", "name": "Course", "duration_minutes": 60, "version": 1}
    assert set(service_event_payload(service)) == set(example_event("scheduler", "SchedulingServiceCreated")["payload"])
