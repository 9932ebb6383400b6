"""Sales through the gateway with every service running: the whole lead-to-cash flow with
its events observed on the bus, and a contact merge whose references in other services
follow through ContactMerged."""
import io
import uuid
from decimal import Decimal

from crmkit.testing.bus import Subscriber
from crmkit.testing.contracts import example_event
from crmkit.testing.suite_http import ok
from crmkit.testing.waiting import wait_until
from docx import Document
from sales.schemas import EVENT_PAYLOADS

PROBLEM = "application/problem+json"


def matches_fixture(event: dict) -> None:
    """The event's envelope and payload have the fixture's fields, of the fixture's JSON types,
    and the payload validates against the published schema."""
    fixture = example_event("sales", event["event_type"])
    assert set(event) == set(fixture)
    payload, expected = event["payload"], fixture["payload"]
    assert set(payload) == set(expected), set(payload) ^ set(expected)
    for key, value in expected.items():
        if value is not None and payload[key] is not None:
            assert type(payload[key]) is type(value), key
    assert EVENT_PAYLOADS[event["event_type"]]().validate(payload) == {}
    for line, fixture_line in zip(payload.get("lines", []), expected.get("lines", [])):
        assert set(line) == set(fixture_line)
        assert {k: type(v) for k, v in line.items() if v is not None} == \
            {k: type(v) for k, v in fixture_line.items() if v is not None and line[k] is not None}


def test_lead_to_cash_through_the_gateway_with_its_events_on_the_bus(suite, api):
    bus = Subscriber(suite.env["CRM_AMQP_URI"], "sales")
    try:
        tag = uuid.uuid4().hex[:8]
        lead = ok(api.post("/api/v1/leads", json={
            "topic": "50 seats of CRM training", "first_name": "Nancy", "last_name": "Anderson",
            "company_name": f"Adventure Works {tag}", "email": f"nancy.{tag}@adventure-works.example",
            "source": "web", "estimated_value": "12500.00", "currency": "USD"}), 201)
        qualified = ok(api.post(f"/api/v1/leads/{lead['id']}/qualify", json={}))
        assert qualified["lead"]["status"] == "qualified"
        again = api.post(f"/api/v1/leads/{lead['id']}/qualify", json={})
        assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
        opportunity = ok(api.get(f"/api/v1/opportunities/{qualified['opportunity_id']}"))
        assert (opportunity["account_id"], opportunity["estimated_value"]) == (qualified["account_id"], "12500.00")

        course = ok(api.post("/api/v1/products", json={
            "name": "CRM administration course (per session)", "product_number": f"CRS-{tag}", "unit": "session",
            "is_service": True, "scheduling_service_id": str(uuid.uuid4())}), 201)
        handbook = ok(api.post("/api/v1/products", json={
            "name": "Course handbook", "product_number": f"HB-{tag}", "unit": "copy"}), 201)
        price_list = ok(api.post("/api/v1/price-lists", json={"name": f"USD {tag}", "currency": "USD"}), 201)
        items = f"/api/v1/price-lists/{price_list['id']}/items"
        ok(api.post(items, json={"product_id": course["id"], "amount": "1350.00"}), 201)
        ok(api.post(items, json={"product_id": handbook["id"], "amount": "22.45", "discount_tiers": [
            {"min_quantity": "10", "percent": "7.5"}, {"min_quantity": "100", "percent": "12"}]}), 201)

        quote = ok(api.post("/api/v1/quotes", json={
            "name": "Training for Adventure Works", "account_id": qualified["account_id"],
            "contact_id": qualified["contact_id"], "opportunity_id": qualified["opportunity_id"],
            "price_list_id": price_list["id"]}), 201)
        lines = f"/api/v1/quotes/{quote['id']}/lines"
        ok(api.post(lines, json={"product_id": course["id"], "quantity": "3"}), 201)
        quote = ok(api.post(lines, json={"product_id": handbook["id"], "quantity": "21", "manual_discount": "0.10"}), 201)
        course_line, handbook_line = quote["lines"]
        assert (course_line["amount"], course_line["net_amount"]) == ("4050.00", "4050.00")
        # 21 x 22.45 = 471.45; 7.5% tier = 35.35875 -> 35.36 (half-up); minus 0.10 manual
        assert (handbook_line["amount"], handbook_line["tier_percent"], handbook_line["tier_discount"],
                handbook_line["manual_discount"], handbook_line["net_amount"]) == \
            ("471.45", "7.5", "35.36", "0.10", "435.99")
        assert (quote["subtotal"], quote["discount_total"], quote["total"]) == ("4521.45", "35.46", "4485.99")
        assert Decimal(quote["total"]) == Decimal(course_line["net_amount"]) + Decimal(handbook_line["net_amount"])

        assert ok(api.post(f"/api/v1/quotes/{quote['id']}/activate", json={}))["status"] == "active"
        revision = ok(api.post(f"/api/v1/quotes/{quote['id']}/revise"))
        assert (revision["status"], revision["revision"], revision["previous_revision_id"]) == ("draft", 2, quote["id"])
        assert ok(api.get(f"/api/v1/quotes/{quote['id']}"))["status"] == "closed"
        assert [line["net_amount"] for line in revision["lines"]] == ["4050.00", "435.99"]
        ok(api.post(f"/api/v1/quotes/{revision['id']}/activate"))
        document = api.get(f"/api/v1/quotes/{revision['id']}/document")
        assert document.status_code == 200 and "wordprocessingml" in document.headers["content-type"]
        rows = [[cell.text for cell in row.cells] for row in Document(io.BytesIO(document.content)).tables[0].rows]
        assert rows[2][-1] == "435.99"

        accepted = ok(api.post(f"/api/v1/quotes/{revision['id']}/accept"))
        assert accepted["quote"]["status"] == "won"
        order = ok(api.get(f"/api/v1/orders/{accepted['order_id']}"))
        assert (order["status"], order["total"], order["subtotal"], order["discount_total"]) == \
            ("active", "4485.99", "4521.45", "35.46")
        assert ok(api.post(f"/api/v1/orders/{order['id']}/fulfil"))["status"] == "fulfilled"
        invoicing = ok(api.post(f"/api/v1/orders/{order['id']}/invoice", json={}))
        assert invoicing["order"]["status"] == "invoiced"
        invoice = ok(api.get(f"/api/v1/invoices/{invoicing['invoice_id']}"))
        assert (invoice["total"], invoice["status"], invoice["order_id"]) == ("4485.99", "active", order["id"])
        assert invoice["invoice_number"].startswith("INV-")
        paid = ok(api.post(f"/api/v1/invoices/{invoice['id']}/pay", json={}))
        assert paid["status"] == "paid" and paid["paid_at"]
        assert api.post(f"/api/v1/invoices/{invoice['id']}/pay", json={}).status_code == 409

        def observed():
            seen = {(e["event_type"], e["payload"].get("lead_id") or e["payload"].get("quote_id")): e
                    for e in bus.drain(timeout=0.5)}
            return seen if {("LeadQualified", lead["id"]), ("QuoteAccepted", revision["id"])} <= set(seen) else None

        seen = wait_until(observed, timeout=60, interval=0.5, message="LeadQualified and QuoteAccepted on the bus")
        lead_qualified, quote_accepted = seen[("LeadQualified", lead["id"])], seen[("QuoteAccepted", revision["id"])]
        matches_fixture(lead_qualified)
        matches_fixture(quote_accepted)
        assert {k: lead_qualified["payload"][k] for k in ("account_id", "contact_id", "opportunity_id")} == \
            {k: qualified[k] for k in ("account_id", "contact_id", "opportunity_id")}
        payload = quote_accepted["payload"]
        assert (payload["order_id"], payload["total"], payload["currency"]) == (order["id"], "4485.99", "USD")
        assert [(line["product_id"], line["quantity"], line["is_service"], line["scheduling_service_id"])
                for line in payload["lines"]] == [
            (course["id"], "3", True, course["scheduling_service_id"]), (handbook["id"], "21", False, None)]
    finally:
        bus.close()


def test_merging_contacts_moves_their_activities_and_cases_in_the_other_services(suite, api):
    tag = uuid.uuid4().hex[:8]
    account = ok(api.post("/api/v1/accounts", json={"name": f"Merge Co {tag}"}), 201)
    email = f"yvonne.{tag}@contoso.example"
    survivor = ok(api.post("/api/v1/contacts", json={"last_name": "McKay", "email": email,
                                                     "account_id": account["id"]}), 201)
    refused = api.post("/api/v1/contacts", json={"last_name": "McKay", "email": email.upper()})
    assert refused.status_code == 409
    assert [(e["field"], e["id"]) for e in refused.json()["errors"]] == [("email", survivor["id"])]
    duplicate = ok(api.post("/api/v1/contacts", json={"last_name": "McKay", "first_name": "Yvonne",
                                                      "email": email, "allow_duplicate": True}), 201)
    activity = ok(api.post("/api/v1/activities", json={
        "type": "phone_call", "subject": "Follow-up call", "regarding": {"type": "contact", "id": duplicate["id"]}}), 201)
    case = ok(api.post("/api/v1/cases", json={"title": "Cannot log in", "customer_contact_id": duplicate["id"]}), 201)

    merged = ok(api.post(f"/api/v1/contacts/{survivor['id']}/merge", json={"duplicate_id": duplicate["id"]}))
    assert merged["contact"]["first_name"] == "Yvonne"
    assert api.get(f"/api/v1/contacts/{duplicate['id']}").status_code == 404
    [audit] = ok(api.get(f"/api/v1/contacts/{survivor['id']}/merges"))
    assert (audit["merged_id"], audit["merged_record"]["first_name"]) == (duplicate["id"], "Yvonne")

    wait_until(lambda: ok(api.get(f"/api/v1/activities/{activity['id']}"))["regarding"]["id"] == survivor["id"],
               timeout=60, interval=0.5, message="the activity to follow the merge")
    wait_until(lambda: ok(api.get(f"/api/v1/cases/{case['id']}"))["customer_contact_id"] == survivor["id"],
               timeout=60, interval=0.5, message="the case to follow the merge")
