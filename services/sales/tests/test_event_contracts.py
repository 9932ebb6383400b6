"""The published events' example fixtures are valid envelopes whose payloads match the schemas,
and what sales really writes to its outbox matches them too."""
import pytest

from crmkit.envelope import Envelope
from crmkit.testing.contracts import example_event, example_event_types
from sales.domain.customers import account_event_payload, contact_event_payload
from sales.schemas import EVENT_PAYLOADS


def test_every_published_event_has_an_example_and_a_schema():
    assert example_event_types("sales") == sorted(EVENT_PAYLOADS)


@pytest.mark.parametrize("event_type", sorted(EVENT_PAYLOADS))
def test_example_is_a_valid_envelope_with_a_valid_payload(event_type):
    example = example_event("sales", event_type)
    envelope = Envelope.from_dict(example)
    assert (envelope.event_type, envelope.producer) == (event_type, "sales")
    assert EVENT_PAYLOADS[event_type]().validate(envelope.payload) == {}


def test_payload_builders_produce_exactly_the_example_fields():
    account = {"id": "8c3e4c8e-6a1b-4b6e-9d2f-3e5a7c9b1d01", "name": "Contoso Ltd", "version": 1,
               "address": {"city": "Seattle", "country": "US"}}
    contact = {"id": "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c01", "last_name": "McKay", "version": 1}
    assert set(account_event_payload(account)) == set(example_event("sales", "AccountCreated")["payload"])
    assert set(contact_event_payload(contact)) == set(example_event("sales", "ContactCreated")["payload"])
