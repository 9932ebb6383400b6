"""The published events' example fixtures are valid envelopes whose payloads match the schemas,
and the payload builders produce the example's fields."""
import pytest

from crmkit.envelope import Envelope
from crmkit.testing.contracts import example_event, example_event_types
from activities.activities import activity_event_payload, cancelled_event_payload, completed_event_payload
from activities.activity_types import activity_type_event_payload
from activities.schemas import EVENT_PAYLOADS


def test_every_published_event_has_an_example_and_a_schema():
    assert example_event_types("activities") == sorted(EVENT_PAYLOADS)


@pytest.mark.parametrize("event_type", sorted(EVENT_PAYLOADS))
def test_example_is_a_valid_envelope_with_a_valid_payload(event_type):
    envelope = Envelope.from_dict(example_event("activities", event_type))
    assert (envelope.event_type, envelope.producer) == (event_type, "activities")
    assert EVENT_PAYLOADS[event_type]().validate(envelope.payload) == {}


def test_activity_completed_keeps_the_fields_its_consumers_read():
    payload = example_event("activities", "ActivityCompleted")["payload"]
    assert {"activity_id", "type", "regarding", "actual_duration_minutes", "owner_id"} <= set(payload)


ACTIVITY = {"id": "e3f4a5b6-c7d8-4e9f-8a0b-2c3d4e5f6a01", "type": "phone_call", "subject": "Call", "status": "open",
            "regarding": {"type": "case", "id": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e01", "label": "Cannot sync"},
            "owner_id": None, "version": 1, "actual_duration_minutes": 5, "completed_at": "2026-11-24T11:00:00Z",
            "cancelled_at": "2026-11-24T11:00:00Z", "status_reason": None, "source": None}


@pytest.mark.parametrize("event_type, build", [
    ("ActivityCreated", activity_event_payload),
    ("ActivityCompleted", completed_event_payload),
    ("ActivityCancelled", cancelled_event_payload),
])
def test_payload_builders_validate_and_carry_the_example_fields(event_type, build):
    payload = build(ACTIVITY)
    assert EVENT_PAYLOADS[event_type]().validate(payload) == {}
    assert set(example_event("activities", event_type)["payload"]) <= set(payload)


def test_activity_type_payload_builder_matches_the_example():
    activity_type = {"id": "a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c01", "name": "site_visit", "label": "Site visit",
                     "fields": [], "version": 1}
    payload = activity_type_event_payload(activity_type)
    assert set(payload) == set(example_event("activities", "ActivityTypeCreated")["payload"])
    assert EVENT_PAYLOADS["ActivityTypeCreated"]().validate(payload) == {}
