"""Marketing through HTTP: the gateway in-process, the real marketing service as a process on
its own database and the tests' vhost, and sales' side played by its published events."""
from __future__ import annotations

import copy
import threading
import uuid

import pytest

from crmkit.testing.bus import publish_event
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until

PROBLEM = "application/problem+json"
API = "/api/v1"


@pytest.fixture(scope="module")
def marketing(start_service_process):
    return start_service_process("marketing")


def sales_event(amqp_uri: str, event_type: str, **payload) -> dict:
    """Publish sales' example of the event (its contract fixture) with these fields."""
    envelope = copy.deepcopy(example_event("sales", event_type))
    envelope["event_id"] = str(uuid.uuid4())
    envelope["payload"].update(payload)
    publish_event(amqp_uri, envelope)
    return envelope


def new_contact(client, headers, amqp_uri, **fields) -> str:
    contact_id = str(uuid.uuid4())
    sales_event(amqp_uri, "ContactCreated", contact_id=contact_id, **fields)
    return contact_id


def known_to_marketing(client, headers, list_id, member_id) -> bool:
    """Marketing handles sales' events asynchronously: a static list accepts an id once known."""
    response = client.post(f"{API}/marketing-lists/{list_id}/members", json={"ids": [member_id]}, headers=headers)
    return response.status_code == 200


def test_lists_campaign_distribution_metrics_and_wrong_states(client, auth_headers, marketing):
    h = auth_headers
    members = [new_contact(client, h, marketing, city="Paris") for _ in range(3)]
    created = client.post(f"{API}/marketing-lists", json={"name": "Gateway list", "member_type": "contact",
                                                          "kind": "static"}, headers=h)
    assert created.status_code == 201, created.text
    target = created.json()
    assert created.headers["location"] == f"{API}/marketing-lists/{target['id']}"
    assert target["member_count"] == 0
    for member in members:
        wait_until(lambda: known_to_marketing(client, h, target["id"], member), timeout=30,
                   message="the contact in marketing's read model")
    page = client.get(f"{API}/marketing-lists/{target['id']}/members?limit=2", headers=h).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert page["items"][0]["member_type"] == "contact"

    campaign = client.post(f"{API}/campaigns", json={"name": "HTTP campaign", "type": "email", "budget": "900.00",
                                                     "currency": "EUR", "list_ids": [target["id"]]}, headers=h)
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    assert campaign.json()["status"] == "planned" and campaign.json()["budget"] == "900.00"
    activity = client.post(f"{API}/campaigns/{campaign_id}/activities",
                           json={"channel": "email", "subject": "Welcome"}, headers=h).json()
    early = client.post(f"{API}/campaigns/{campaign_id}/activities/{activity['id']}/distribute", headers=h)
    assert early.status_code == 409 and early.headers["content-type"].startswith(PROBLEM)

    assert client.post(f"{API}/campaigns/{campaign_id}/activate", headers=h).json()["status"] == "active"
    again = client.post(f"{API}/campaigns/{campaign_id}/activate", headers=h)
    assert again.status_code == 409 and again.json()["status"] == 409
    owners = [str(uuid.uuid4()), str(uuid.uuid4())]
    distributed = client.post(f"{API}/campaigns/{campaign_id}/activities/{activity['id']}/distribute",
                              json={"owner_ids": owners}, headers=h)
    assert distributed.status_code == 200, distributed.text
    assert (distributed.json()["distributed"], distributed.json()["status"]) == (3, "distributed")
    second = client.post(f"{API}/campaigns/{campaign_id}/activities/{activity['id']}/distribute",
                         json={"owner_ids": owners}, headers=h)
    assert second.json()["distributed"] == 0

    expense = client.post(f"{API}/campaigns/{campaign_id}/expenses", json={"amount": "300.00"}, headers=h)
    assert expense.status_code == 201 and client.get(expense.headers["location"], headers=h).json()["amount"] == "300.00"
    metrics = client.get(f"{API}/campaigns/{campaign_id}/metrics", headers=h).json()
    assert (metrics["members_targeted"], metrics["activities_distributed"], metrics["total_cost"], metrics["roi"]) == \
        (3, 3, "300.00", "-1.0000")

    assert client.post(f"{API}/campaigns/{campaign_id}/complete", headers=h).json()["status"] == "completed"
    for method, path, body in [
        ("post", f"/campaigns/{campaign_id}/cancel", None),
        ("patch", f"/campaigns/{campaign_id}", {"name": "Too late"}),
        ("post", f"/campaigns/{campaign_id}/expenses", {"amount": "1.00"}),
        ("post", f"/campaigns/{campaign_id}/activities", {"channel": "email", "subject": "x"}),
        ("post", f"/campaigns/{campaign_id}/activities/{activity['id']}/distribute", {}),
        ("delete", f"/campaigns/{campaign_id}", None),
    ]:
        kwargs = {"json": body} if body is not None else {}
        answer = getattr(client, method)(f"{API}{path}", headers=h, **kwargs)
        assert answer.status_code == 409, (path, answer.text)
    assert client.get(f"{API}/campaigns/{campaign_id}/metrics", headers=h).json() == metrics


def test_bad_input_is_422_listing_every_field(client, auth_headers, marketing):
    h = auth_headers
    response = client.post(f"{API}/campaigns", json={"budget": 12.5, "type": "radio", "currency": "euro"}, headers=h)
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    assert {e["field"] for e in response.json()["errors"]} == {"name", "budget", "type", "currency"}
    response = client.post(f"{API}/marketing-lists", json={
        "name": "Bad", "member_type": "contact", "kind": "dynamic",
        "query": {"all": [{"field": "shoe_size", "op": "eq", "value": 1}, {"field": "age", "op": "gte", "value": "x"}]}},
        headers=h)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.all.0.field", "query.all.1.value"]
    assert client.get(f"{API}/campaigns/{uuid.uuid4()}", headers=h).status_code == 404


def test_a_dynamic_list_refuses_members_and_follows_sales(client, auth_headers, marketing):
    h = auth_headers
    city = f"City-{uuid.uuid4().hex[:6]}"
    dynamic = client.post(f"{API}/marketing-lists", json={
        "name": "Dynamic", "member_type": "contact", "kind": "dynamic",
        "query": {"all": [{"field": "city", "op": "eq", "value": city}]}}, headers=h).json()
    contact_id = new_contact(client, h, marketing, city=city)
    wait_until(lambda: client.get(f"{API}/marketing-lists/{dynamic['id']}", headers=h).json()["member_count"] == 1,
               timeout=30, message="the contact in the dynamic list")
    refused = client.post(f"{API}/marketing-lists/{dynamic['id']}/members", json={"ids": [contact_id]}, headers=h)
    assert refused.status_code == 409
    sales_event(marketing, "ContactUpdated", contact_id=contact_id, city="Elsewhere", version=2)
    wait_until(lambda: client.get(f"{API}/marketing-lists/{dynamic['id']}", headers=h).json()["member_count"] == 0,
               timeout=30, message="the contact to leave the dynamic list")


def test_convert_answers_the_lead_once_sales_reports_it_or_202_meanwhile(client, auth_headers, marketing,
                                                                          monkeypatch):
    from gateway.routers import campaign_responses

    h = auth_headers
    target = client.post(f"{API}/marketing-lists", json={"name": "Q", "member_type": "contact", "kind": "static"},
                         headers=h).json()
    quick = client.post(f"{API}/quick-campaigns", json={"list_id": target["id"], "channel": "email",
                                                        "subject": "Flash"}, headers=h)
    assert quick.status_code == 201, quick.text
    campaign_id = quick.json()["campaign"]["id"]
    assert quick.headers["location"] == f"{API}/campaigns/{campaign_id}"

    def respond(email):
        answer = client.post(f"{API}/campaigns/{campaign_id}/responses", json={"channel": "web", "email": email},
                             headers=h)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    lonely = respond("nobody@example.com")
    monkeypatch.setattr(campaign_responses, "CONVERT_WAIT_S", 0.5)
    pending = client.post(f"{API}/campaign-responses/{lonely}/convert", headers=h)
    assert pending.status_code == 202 and pending.json()["lead_id"] is None
    assert pending.json()["response"]["status"] == "converted"
    assert client.post(f"{API}/campaign-responses/{lonely}/convert", headers=h).status_code == 409

    answered = respond("lead@example.com")
    lead_id = str(uuid.uuid4())
    monkeypatch.setattr(campaign_responses, "CONVERT_WAIT_S", 20)
    # Sales' side: the lead arrives while the gateway waits.
    timer = threading.Timer(0.5, sales_event, args=(marketing, "LeadCreated"),
                            kwargs={"lead_id": lead_id, "campaign_id": campaign_id, "campaign_response_id": answered})
    timer.start()
    converted = client.post(f"{API}/campaign-responses/{answered}/convert", headers=h)
    timer.join()
    assert converted.status_code == 200, converted.text
    assert converted.json()["lead_id"] == lead_id
    assert client.get(f"{API}/campaign-responses/{answered}", headers=h).json()["converted_lead_id"] == lead_id
    listed = client.get(f"{API}/campaigns/{campaign_id}/responses?status=converted", headers=h).json()
    assert {item["id"] for item in listed["items"]} == {lonely, answered}


def test_openapi_describes_the_marketing_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/marketing-lists/{marketing_list_id}/members",
                 "/api/v1/campaigns/{campaign_id}/activities/{activity_id}/distribute",
                 "/api/v1/campaign-responses/{response_id}/convert", "/api/v1/campaigns/{campaign_id}/metrics",
                 "/api/v1/quick-campaigns"):
        assert path in paths
