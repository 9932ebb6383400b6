"""The published events' example fixtures are valid envelopes whose payloads match the schemas,
and what sales really writes to its outbox matches them too."""
import pytest

from crmkit.envelope import Envelope
from crmkit.testing.contracts import example_event, example_event_types
from sales.domain import events
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


LEAD = {"id": "l", "status_reason": "no budget"}
OPPORTUNITY = {"id": "o"}
LINE = {"id": "line", "product_id": "p", "product_name": "Course", "quantity": "3", "is_service": True}
QUOTE = {"id": "q"}
ORDER = {"id": "o", "lines": [LINE]}
INVOICE = {"id": "i"}
BUILT = {
    "LeadCreated": events.lead_created(LEAD),
    "LeadUpdated": events.lead_created(LEAD) | {"changed": ["phone"]},  # as ResourceFlows.update adds it
    "LeadQualified": events.lead_qualified(LEAD),
    "LeadDisqualified": events.lead_disqualified(LEAD),
    "OpportunityWon": events.opportunity_closed(OPPORTUNITY),
    "OpportunityLost": events.opportunity_closed(OPPORTUNITY),
    "QuoteAccepted": events.quote_accepted(QUOTE, ORDER, None),
    "OrderFulfilled": events.order_fulfilled(ORDER),
    "InvoiceCreated": events.invoice_created(INVOICE),
    "InvoicePaid": events.invoice_paid(INVOICE),
    "ContactMerged": events.merged("contact", "a", "b", "m"),
    "AccountMerged": events.merged("account", "a", "b", "m"),
}


@pytest.mark.parametrize("event_type", sorted(BUILT))
def test_lifecycle_payload_builders_produce_exactly_the_example_fields(event_type):
    example = example_event("sales", event_type)["payload"]
    assert set(BUILT[event_type]) == set(example)
    if event_type == "QuoteAccepted":
        assert set(BUILT[event_type]["lines"][0]) == set(example["lines"][0])
