"""The published events' example fixtures are valid envelopes whose payloads match the
schemas; the service tests check that what marketing writes to its outbox matches them too."""
import pytest

from crmkit.envelope import Envelope
from crmkit.testing.contracts import example_event, example_event_types
from marketing.campaigns import campaign_event_payload
from marketing.lists import list_event_payload
from marketing.schemas import EVENT_PAYLOADS


def test_every_published_event_has_an_example_and_a_schema():
    assert example_event_types("marketing") == sorted(EVENT_PAYLOADS)


@pytest.mark.parametrize("event_type", sorted(EVENT_PAYLOADS))
def test_example_is_a_valid_envelope_with_a_valid_payload(event_type):
    envelope = Envelope.from_dict(example_event("marketing", event_type))
    assert (envelope.event_type, envelope.producer) == (event_type, "marketing")
    assert EVENT_PAYLOADS[event_type]().validate(envelope.payload) == {}


def test_payload_builders_produce_exactly_the_example_fields():
    campaign = {"id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d01", "name": "Spring", "type": "email",
                "status": "planned", "version": 1}
    marketing_list = {"id": "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e01", "name": "L", "member_type": "contact",
                      "kind": "static", "version": 1}
    assert set(campaign_event_payload(campaign)) == set(example_event("marketing", "CampaignCreated")["payload"])
    assert set(list_event_payload(marketing_list)) == set(example_event("marketing", "MarketingListCreated")["payload"])


def test_sales_still_publishes_every_field_marketing_consumes():
    """Marketing's copies of the sales events it consumes (contracts/consumes) against
    sales' current payload schemas: a sales change that drops or retypes a field marketing
    reads fails here."""
    from crmkit.compatibility import expectations_of, problems, producer_schema

    expectations = expectations_of("marketing")
    assert {e.event_type for e in expectations} >= {"LeadCreated", "LeadQualified", "OpportunityWon", "ContactMerged"}
    assert [p for e in expectations for p in problems(e, producer_schema(e.producer, e.event_type))] == []
