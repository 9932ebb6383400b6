"""Leads over real RPC, PostgreSQL and RabbitMQ: create, duplicates, qualify, disqualify,
and leads made from marketing's converted campaign responses."""
import uuid

import pytest

from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.testing.bus import publish_event
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until
from sales.schemas import EVENT_PAYLOADS
from sales_builders import account, outbox, unique


def new_lead(rpc, **fields):
    return rpc.create_lead({"topic": "50 seats of CRM training", "first_name": "Nancy",
                            "last_name": "Anderson", "company_name": unique("Adventure Works"),
                            "email": f"{uuid.uuid4().hex[:8]}@adventure-works.example",
                            "estimated_value": "12500", "currency": "USD", **fields},
                           owner_id=str(uuid.uuid4()))


def test_a_new_lead_is_new_and_records_lead_created(shared_sales):
    lead = new_lead(shared_sales.rpc, source="web")
    assert (lead["status"], lead["source"], lead["estimated_value"]) == ("new", "web", "12500.00")
    [event] = [e for e in outbox(shared_sales, "LeadCreated") if e["payload"]["lead_id"] == lead["id"]]
    assert EVENT_PAYLOADS["LeadCreated"]().validate(event["payload"]) == {}
    assert event["payload"]["source"] == "web"


def test_invalid_leads_list_every_bad_field(shared_sales):
    with pytest.raises(ValidationFailed) as raised:
        shared_sales.rpc.create_lead({"email": "nope", "source": "tv", "estimated_value": "-1",
                                      "currency": "dollars"})
    assert {e["field"] for e in raised.value.errors} == \
        {"topic", "last_name", "email", "source", "estimated_value", "currency"}
    with pytest.raises(ValidationFailed) as raised:
        shared_sales.rpc.create_lead({"topic": "t", "last_name": "x", "estimated_value": "5"})
    assert [e["field"] for e in raised.value.errors] == ["currency"]


def test_qualify_creates_account_contact_and_opportunity_in_one_step(shared_sales):
    rpc = shared_sales.rpc
    lead = new_lead(rpc, phone="+1 425 555 0101")
    result = rpc.qualify_lead(lead["id"], {})
    assert result["lead"]["status"] == "qualified"
    account_record = rpc.get_account(result["account_id"])
    contact = rpc.get_contact(result["contact_id"])
    opportunity = rpc.get_opportunity(result["opportunity_id"])
    assert account_record["name"] == lead["company_name"]
    assert (contact["last_name"], contact["account_id"]) == ("Anderson", account_record["id"])
    assert (opportunity["account_id"], opportunity["contact_id"], opportunity["originating_lead_id"]) == \
        (account_record["id"], contact["id"], lead["id"])
    assert (opportunity["estimated_value"], opportunity["currency"], opportunity["status"]) == ("12500.00", "USD", "open")
    [event] = [e for e in outbox(shared_sales, "LeadQualified") if e["payload"]["lead_id"] == lead["id"]]
    assert EVENT_PAYLOADS["LeadQualified"]().validate(event["payload"]) == {}
    assert {k: event["payload"][k] for k in ("account_id", "contact_id", "opportunity_id")} == \
        {k: result[k] for k in ("account_id", "contact_id", "opportunity_id")}
    # The created customer records are announced as if created directly (marketing's read model).
    assert any(e["payload"]["account_id"] == account_record["id"] for e in outbox(shared_sales, "AccountCreated"))
    assert any(e["payload"]["contact_id"] == contact["id"] for e in outbox(shared_sales, "ContactCreated"))


def test_qualify_can_link_existing_records_instead(shared_sales):
    rpc = shared_sales.rpc
    existing = account(rpc)
    contact = rpc.create_contact({"last_name": "Existing", "account_id": existing["id"]})
    lead = new_lead(rpc)
    result = rpc.qualify_lead(lead["id"], {"existing_contact_id": contact["id"], "create_opportunity": True})
    assert (result["account_id"], result["contact_id"]) == (existing["id"], contact["id"])
    assert rpc.get_opportunity(result["opportunity_id"])["account_id"] == existing["id"]


def test_qualifying_twice_is_409_and_changes_nothing(shared_sales):
    rpc = shared_sales.rpc
    lead = new_lead(rpc)
    rpc.qualify_lead(lead["id"], {})
    before = rpc.get_lead(lead["id"])
    events_before = len(outbox(shared_sales))
    with pytest.raises(Conflict):
        rpc.qualify_lead(lead["id"], {})
    assert rpc.get_lead(lead["id"]) == before
    assert len(outbox(shared_sales)) == events_before


def test_a_failed_qualification_leaves_no_half_made_records(shared_sales):
    rpc = shared_sales.rpc
    lead = new_lead(rpc, company_name=None)
    accounts_before = shared_sales.sql.scalar("SELECT count(*) FROM accounts")
    contacts_before = shared_sales.sql.scalar("SELECT count(*) FROM contacts")
    with pytest.raises(ValidationFailed) as raised:  # no company: no account for the opportunity
        rpc.qualify_lead(lead["id"], {})
    assert raised.value.errors[0]["field"] == "existing_account_id"
    assert shared_sales.sql.scalar("SELECT count(*) FROM accounts") == accounts_before
    assert shared_sales.sql.scalar("SELECT count(*) FROM contacts") == contacts_before
    assert rpc.get_lead(lead["id"])["status"] == "new"


def test_disqualify_needs_a_reason_and_records_lead_disqualified(shared_sales):
    rpc = shared_sales.rpc
    lead = new_lead(rpc, source="campaign", campaign_id=str(uuid.uuid4()))
    with pytest.raises(ValidationFailed):
        rpc.disqualify_lead(lead["id"], {})
    disqualified = rpc.disqualify_lead(lead["id"], {"reason": "no budget this year"})
    assert (disqualified["status"], disqualified["status_reason"]) == ("disqualified", "no budget this year")
    [event] = [e for e in outbox(shared_sales, "LeadDisqualified") if e["payload"]["lead_id"] == lead["id"]]
    assert event["payload"]["campaign_id"] == lead["campaign_id"]
    with pytest.raises(Conflict):
        rpc.update_lead(lead["id"], {"topic": "changed"})


def test_unknown_leads_are_not_found(shared_sales):
    for call in (shared_sales.rpc.get_lead, shared_sales.rpc.mark_lead_contacted):
        with pytest.raises(NotFound):
            call(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        shared_sales.rpc.qualify_lead("not-a-uuid", {})


def test_a_converted_campaign_response_becomes_one_lead_with_its_campaign(shared_sales):
    event = example_event("marketing", "CampaignResponseConverted")
    response = event["payload"]
    publish_event(shared_sales.amqp_uri, event)
    publish_event(shared_sales.amqp_uri, event)  # redelivered
    # The same response converted again under another event id (marketing retried the command).
    publish_event(shared_sales.amqp_uri, event | {"event_id": str(uuid.uuid4())})
    lead = wait_until(lambda: shared_sales.rpc.list_leads(filters={"campaign_id": response["campaign_id"]})["items"],
                      timeout=30, message="the lead from the campaign response")[0]
    assert (lead["source"], lead["campaign_response_id"], lead["last_name"], lead["topic"]) == \
        ("campaign", response["response_id"], "Anderson", response["subject"])
    wait_until(lambda: shared_sales.sql.scalar(
        "SELECT count(*) FROM inbox WHERE handler = 'on_campaign_response_converted'") == 2, timeout=30)
    assert shared_sales.sql.scalar("SELECT count(*) FROM leads WHERE campaign_response_id = :r",
                                   r=response["response_id"]) == 1
    [created] = [e for e in outbox(shared_sales, "LeadCreated") if e["payload"]["lead_id"] == lead["id"]]
    assert created["payload"]["campaign_response_id"] == response["response_id"]
    assert created["payload"]["campaign_id"] == response["campaign_id"]


def test_lead_changes_are_announced_and_catalogue_changes_are_not(shared_sales):
    rpc = shared_sales.rpc
    lead = new_lead(rpc)
    rpc.update_lead(lead["id"], {"phone": "+1 425 555 0199"})
    rpc.delete_lead(lead["id"])
    [updated] = [e for e in outbox(shared_sales, "LeadUpdated") if e["payload"]["lead_id"] == lead["id"]]
    assert updated["payload"]["changed"] == ["phone"]
    assert EVENT_PAYLOADS["LeadUpdated"]().validate(updated["payload"]) == {}
    assert [e["payload"] for e in outbox(shared_sales, "LeadDeleted")] == [{"lead_id": lead["id"]}]
    before = len(outbox(shared_sales))
    product = rpc.create_product({"name": "Widget", "product_number": unique("W")})
    rpc.update_product(product["id"], {"status": "retired"})
    rpc.create_competitor({"name": "Rival"})
    assert len(outbox(shared_sales)) == before  # nobody consumes these: no events, no contract
