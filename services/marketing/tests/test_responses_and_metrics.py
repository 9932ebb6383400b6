"""Campaign responses, their conversion into sales leads, and the campaign metrics fed by
sales' events (flow 1 of EVENTS.md with sales' side played by its published events)."""
import uuid

import pytest

from crmkit.errors import Conflict, ValidationFailed
from crmkit.testing.bus import publish_event
from crmkit.testing.waiting import wait_until
from marketing.schemas import EVENT_PAYLOADS
from sales_events import deliver, sales_event

OWNER = str(uuid.uuid4())


@pytest.fixture
def campaign(shared_marketing):
    """An active campaign of 3 contacts (one of them on two lists), distributed, with
    2000.00 EUR of expenses."""
    m = shared_marketing
    people = [sales_event("ContactCreated", contact_id=str(uuid.uuid4())) for _ in range(3)]
    deliver(m, *people)
    ids = [p["payload"]["contact_id"] for p in people]
    lists = []
    for members in (ids[:2], ids[1:]):
        created = m.rpc.create_marketing_list({"name": "L", "member_type": "contact", "kind": "static"})
        m.rpc.add_marketing_list_members(created["id"], {"ids": members})
        lists.append(created["id"])
    campaign = m.rpc.create_campaign({"name": "Spring training", "currency": "EUR", "budget": "5000.00",
                                      "expected_response_rate": "5", "list_ids": lists}, owner_id=OWNER)
    m.rpc.activate_campaign(campaign["id"])
    activity = m.rpc.create_campaign_activity(campaign["id"], {"channel": "email", "subject": "Invite"})
    m.rpc.distribute_campaign_activity(campaign["id"], activity["id"])
    m.rpc.add_campaign_expense(campaign["id"], {"amount": "1200.10", "description": "Venue"})
    m.rpc.add_campaign_expense(campaign["id"], {"amount": "799.90", "description": "Mailing"})
    return campaign | {"contact_ids": ids}


def converted_events(m, response_id):
    return [row["envelope"] for row in m.sql.rows(
        "SELECT envelope FROM outbox WHERE event_type = 'CampaignResponseConverted' "
        "AND envelope->'payload'->>'response_id' = :r", r=response_id)]


def test_flow_1_metrics_to_the_cent_and_replaying_changes_nothing(shared_marketing, campaign):
    m = shared_marketing
    response = m.rpc.create_campaign_response(campaign["id"], {
        "channel": "email", "subject": "Interested in 50 seats", "first_name": "Nancy", "last_name": "Anderson",
        "company_name": "Adventure Works", "email": "nancy@adventure-works.example"}, owner_id=OWNER)
    assert response["status"] == "open" and response["converted_lead_id"] is None
    converted = m.rpc.convert_campaign_response(response["id"])
    assert (converted["response"]["status"], converted["lead_id"]) == ("converted", None)
    [event] = converted_events(m, response["id"])
    assert EVENT_PAYLOADS["CampaignResponseConverted"]().validate(event["payload"]) == {}
    assert (event["payload"]["campaign_id"], event["payload"]["email"]) == (campaign["id"], "nancy@adventure-works.example")

    # Sales' side of flow 1, as sales publishes it.
    lead_id, opportunity_id, account_id = (str(uuid.uuid4()) for _ in range(3))
    sales_side = [
        sales_event("LeadCreated", lead_id=lead_id, campaign_id=campaign["id"],
                    campaign_response_id=response["id"]),
        sales_event("LeadQualified", lead_id=lead_id, campaign_id=campaign["id"], opportunity_id=opportunity_id,
                    account_id=account_id, estimated_value="12500.00", currency="EUR"),
        sales_event("OpportunityWon", opportunity_id=opportunity_id, campaign_id=campaign["id"],
                    account_id=account_id, actual_revenue="11800.00", currency="EUR"),
    ]
    deliver(m, *sales_side)
    assert m.rpc.get_campaign_response(response["id"])["converted_lead_id"] == lead_id
    expected = {
        "members_targeted": 3, "activities_distributed": 3, "responses": 1, "response_rate": "33.33",
        "expected_response_rate": "5.00", "leads_generated": 1, "opportunities_generated": 1,
        "opportunities_won": 1, "revenue_won": "11800.00", "revenue_won_in_other_currencies": {},
        "total_cost": "2000.00", "budget": "5000.00", "currency": "EUR", "roi": "4.9000",
    }
    assert m.rpc.get_campaign_metrics(campaign["id"]) == expected

    # The same events again (a redelivery) and the same facts under new ids (a replay).
    for envelope in sales_side:
        publish_event(m.amqp_uri, envelope)
    deliver(m, *(envelope | {"event_id": str(uuid.uuid4())} for envelope in sales_side))
    assert m.rpc.get_campaign_metrics(campaign["id"]) == expected


def test_an_outcome_arriving_before_the_qualification_still_counts(shared_marketing, campaign):
    m = shared_marketing
    lead_id, opportunity_id = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(m, sales_event("OpportunityWon", opportunity_id=opportunity_id, campaign_id=campaign["id"],
                           actual_revenue="100.00", currency="EUR"))
    deliver(m, sales_event("LeadQualified", lead_id=lead_id, campaign_id=campaign["id"],
                           opportunity_id=opportunity_id, currency="EUR"))
    deliver(m, sales_event("LeadCreated", lead_id=lead_id, campaign_id=campaign["id"]))
    metrics = m.rpc.get_campaign_metrics(campaign["id"])
    assert (metrics["opportunities_won"], metrics["revenue_won"], metrics["leads_generated"]) == (1, "100.00", 1)
    assert m.sql.scalar("SELECT status FROM customer_leads WHERE lead_id = :l", l=lead_id) == "qualified"


def test_a_lost_opportunity_and_foreign_currency_revenue_are_not_added(shared_marketing, campaign):
    m = shared_marketing
    won_usd, lost = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(m, sales_event("OpportunityWon", opportunity_id=won_usd, campaign_id=campaign["id"],
                           actual_revenue="300.00", currency="USD"),
            sales_event("OpportunityLost", opportunity_id=lost, campaign_id=campaign["id"]))
    metrics = m.rpc.get_campaign_metrics(campaign["id"])
    assert (metrics["opportunities_generated"], metrics["opportunities_won"]) == (2, 1)
    assert (metrics["revenue_won"], metrics["revenue_won_in_other_currencies"]) == ("0.00", {"USD": "300.00"})
    assert metrics["roi"] == "-1.0000"


def test_a_lead_without_the_echoed_response_id_is_matched_by_campaign_and_email(shared_marketing, campaign):
    m = shared_marketing
    response = m.rpc.create_campaign_response(campaign["id"], {"channel": "web", "email": "Ann@Example.com",
                                                               "last_name": "Lee"})
    m.rpc.convert_campaign_response(response["id"])
    lead = sales_event("LeadCreated", lead_id=str(uuid.uuid4()), campaign_id=campaign["id"], email="ann@example.com")
    lead["payload"].pop("campaign_response_id")
    deliver(m, lead)
    assert m.rpc.get_campaign_response(response["id"])["converted_lead_id"] == lead["payload"]["lead_id"]


def test_a_response_from_a_known_contact_carries_its_details_to_sales(shared_marketing, campaign):
    m = shared_marketing
    contact_id = campaign["contact_ids"][0]
    response = m.rpc.create_campaign_response(campaign["id"], {"channel": "phone_call", "contact_id": contact_id})
    m.rpc.convert_campaign_response(response["id"])
    [event] = converted_events(m, response["id"])
    payload = event["payload"]
    assert (payload["contact_id"], payload["last_name"], payload["email"]) == \
        (contact_id, "McKay", "yvonne@contoso.example")


def test_response_actions_in_a_wrong_state_are_409_and_change_nothing(shared_marketing, campaign):
    m = shared_marketing
    response = m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "company_name": "Fabrikam"})
    closed = m.rpc.close_campaign_response(response["id"])
    assert closed["status"] == "closed"
    for action in (m.rpc.convert_campaign_response, m.rpc.close_campaign_response):
        with pytest.raises(Conflict):
            action(response["id"])
    assert m.rpc.get_campaign_response(response["id"]) == closed
    assert converted_events(m, response["id"]) == []

    converted = m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "email": "x@y.example"})
    m.rpc.convert_campaign_response(converted["id"])
    with pytest.raises(Conflict):
        m.rpc.convert_campaign_response(converted["id"])
    assert len(converted_events(m, converted["id"])) == 1


def test_invalid_responses_list_every_bad_field(shared_marketing, campaign):
    m = shared_marketing
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_campaign_response(campaign["id"], {"channel": "pigeon", "email": "nope"})
    assert {e["field"] for e in raised.value.errors} == {"channel", "email"}
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_campaign_response(campaign["id"], {"channel": "email"})
    assert [e["field"] for e in raised.value.errors] == ["body"]
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "contact_id": str(uuid.uuid4()),
                                                        "account_id": str(uuid.uuid4())})
    assert [e["field"] for e in raised.value.errors] == ["contact_id", "account_id"]
    assert m.rpc.list_campaign_responses(campaign["id"])["items"] == []


def test_customer_overview_lists_the_campaigns_that_touched_an_account(shared_marketing, campaign):
    m = shared_marketing
    account_id = str(uuid.uuid4())
    contact_id = campaign["contact_ids"][1]
    deliver(m, sales_event("AccountCreated", account_id=account_id),
            sales_event("ContactUpdated", contact_id=contact_id, account_id=account_id, version=2))
    m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "contact_id": contact_id})
    overview = m.rpc.customer_overview(account_id)
    [touched] = overview["campaigns"]
    assert (touched["campaign_id"], touched["name"], touched["status"]) == (campaign["id"], "Spring training", "active")
    assert (touched["activities"], touched["responses"], touched["leads"]) == (1, 1, 0)
    assert m.rpc.customer_overview(str(uuid.uuid4()))["campaigns"] == []


def test_the_convert_event_reaches_the_bus(shared_marketing, campaign):
    from crmkit.testing.bus import Subscriber

    m = shared_marketing
    subscriber = Subscriber(m.amqp_uri, "marketing", "CampaignResponseConverted")
    try:
        response = m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "email": "bus@x.example"})
        m.rpc.convert_campaign_response(response["id"])
        wait_until(lambda: any(e["payload"]["response_id"] == response["id"] for e in subscriber.drain()),
                   timeout=30, message="CampaignResponseConverted published")
    finally:
        subscriber.close()
