"""The published events' example fixtures are valid envelopes whose payloads match the schemas,
and the payload builders produce exactly the fields of the examples."""
import pytest

from crmkit.envelope import Envelope
from crmkit.testing.contracts import example_event, example_event_types
from service_desk.domain.cases import case_created_payload, case_resolved_payload
from service_desk.domain.contracts import contract_payload
from service_desk.schemas import EVENT_PAYLOADS

CASE = {"id": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e01", "title": "Cannot sync mailbox", "priority": "high",
        "origin": "phone", "customer_account_id": "8c3e4c8e-6a1b-4b6e-9d2f-3e5a7c9b1d01",
        "time_spent_minutes": 95, "resolved_at": "2026-11-24T15:05:00Z"}


def test_every_published_event_has_an_example_and_a_schema():
    assert example_event_types("service_desk") == sorted(EVENT_PAYLOADS)


@pytest.mark.parametrize("event_type", sorted(EVENT_PAYLOADS))
def test_example_is_a_valid_envelope_with_a_valid_payload(event_type):
    envelope = Envelope.from_dict(example_event("service_desk", event_type))
    assert (envelope.event_type, envelope.producer) == (event_type, "service_desk")
    assert EVENT_PAYLOADS[event_type]().validate(envelope.payload) == {}


def test_payload_builders_produce_exactly_the_example_fields():
    account = CASE["customer_account_id"]
    assert set(case_created_payload(CASE, account)) == set(example_event("service_desk", "CaseCreated")["payload"])
    assert set(case_resolved_payload(CASE, account)) == set(example_event("service_desk", "CaseResolved")["payload"])
    contract = {"id": "d2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f01", "customer_account_id": account,
                "allotment_type": "hours"}
    assert set(contract_payload(contract)) == set(example_event("service_desk", "ContractAllotmentExhausted")["payload"])


def test_a_contact_customer_is_named_as_such():
    payload = case_created_payload({**CASE, "customer_account_id": None, "customer_contact_id": "x"}, None)
    assert payload["customer"] == {"type": "contact", "id": "x"}
