"""The service desk's routes through the gateway, with the real service_desk service running
as its own process (database and bus of the test session)."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest


PROBLEM = "application/problem+json"
ACCOUNT = str(uuid.uuid4())


@pytest.fixture(scope="module")
def service_desk(start_service_process):
    return start_service_process("service_desk")


@pytest.fixture
def api(client, auth_headers, service_desk):
    def call(method, path, **kwargs):
        return client.request(method, f"/api/v1{path}", headers=auth_headers, **kwargs)
    return call


def created(response):
    assert response.status_code == 201, response.text
    return response.json()


def test_a_case_is_created_read_listed_and_resolved_over_http(api):
    case = created(api("POST", "/cases", json={"title": "VPN drops", "customer_account_id": ACCOUNT,
                                                "priority": "high"}))
    assert case["status"] == "active" and case["owner_id"]
    assert api("GET", f"/cases/{case['id']}").json()["title"] == "VPN drops"
    listed = api("GET", "/cases", params={"priority": "high", "customer_account_id": ACCOUNT}).json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]
    resolved = api("POST", f"/cases/{case['id']}/resolve", json={"resolution": "New profile", "billable_minutes": 10})
    assert resolved.status_code == 200 and resolved.json()["time_spent_minutes"] == 10
    again = api("POST", f"/cases/{case['id']}/resolve", json={"resolution": "Again"})
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert api("POST", f"/cases/{case['id']}/reopen").json()["status"] == "active"


def test_bad_input_is_a_422_problem_naming_every_field(api):
    response = api("POST", "/cases", json={"priority": "asap", "origin": "pigeon", "billable": 3})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert {e["field"] for e in response.json()["errors"]} >= {"title", "priority", "origin", "billable"}
    service_side = api("POST", "/cases", json={"title": "Nobody's"})  # the one-customer rule is the service's
    assert service_side.status_code == 422
    assert {e["field"] for e in service_side.json()["errors"]} == {"customer_account_id", "customer_contact_id"}
    money = api("POST", "/contracts", json={"name": "x", "customer_account_id": ACCOUNT, "start_date": "2026-01-01",
                                            "end_date": "2025-01-01", "allotment_type": "hours"})
    assert money.status_code == 422
    assert {e["field"] for e in money.json()["errors"]} == {"end_date", "total_allotment"}
    assert api("GET", f"/cases/{uuid.uuid4()}").status_code == 404


def test_contract_actions_and_wrong_states(api):
    today = date.today()
    contract = created(api("POST", "/contracts", json={
        "name": "Gold", "customer_account_id": ACCOUNT, "start_date": str(today),
        "end_date": str(today + timedelta(days=30)), "allotment_type": "cases", "total_allotment": 3}))
    assert contract["status"] == "draft" and contract["remaining_allotment"] == 3
    assert api("POST", f"/contracts/{contract['id']}/activate").json()["status"] == "active"
    assert api("POST", f"/contracts/{contract['id']}/activate").status_code == 409
    assert api("POST", f"/contracts/{contract['id']}/cancel").json()["status"] == "cancelled"
    refused = api("POST", "/cases", json={"title": "Late", "customer_account_id": ACCOUNT,
                                          "contract_id": contract["id"]})
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM


def test_queue_items_pick_release_route_history_and_concurrent_picks(api, client, auth_headers):
    first = created(api("POST", "/queues", json={"name": f"Q1 {uuid.uuid4()}"}))
    second = created(api("POST", "/queues", json={"name": f"Q2 {uuid.uuid4()}"}))
    response = api("POST", f"/queues/{first['id']}/items", json={"item_type": "activity", "item_id": str(uuid.uuid4()),
                                                                 "title": "Call back"})
    item = created(response)
    assert response.headers["location"] == f"/api/v1/queue-items/{item['id']}"

    def pick(_):
        return client.post(f"/api/v1/queue-items/{item['id']}/pick", headers=auth_headers).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(pick, range(20)))
    assert sorted(statuses) == [200] + [409] * 19
    assert api("POST", f"/queue-items/{item['id']}/release").json()["worker_id"] is None
    assert api("POST", f"/queue-items/{item['id']}/release").status_code == 409
    routed = api("POST", f"/queue-items/{item['id']}/route", json={"queue_id": second["id"]}).json()
    assert routed["queue_id"] == second["id"]
    assert [i["id"] for i in api("GET", f"/queues/{second['id']}/items").json()["items"]] == [item["id"]]
    history = api("GET", f"/queue-items/{item['id']}/history").json()["items"]
    assert [h["action"] for h in history] == ["added", "picked", "released", "routed"]
    assert api("POST", f"/queue-items/{item['id']}/route", json={"queue_id": "nope"}).status_code == 422


def test_knowledge_articles_publish_search_and_link(api):
    word = f"zylophone{uuid.uuid4().hex[:6]}"
    article = created(api("POST", "/kb/articles", json={"title": f"Tuning the {word}", "body": "Turn the pegs.",
                                                        "keywords": ["music"]}))
    assert api("GET", "/kb/articles", params={"q": word}).json()["items"] == []  # drafts are not searched
    published = api("POST", f"/kb/articles/{article['id']}/publish").json()
    assert (published["status"], published["published_version"]) == ("published", 1)
    found = api("GET", "/kb/articles", params={"q": word}).json()["items"]
    assert [a["id"] for a in found] == [article["id"]] and found[0]["rank"] > 0
    assert api("PATCH", f"/kb/articles/{article['id']}", json={"body": "x"}).status_code == 409
    assert len(api("GET", f"/kb/articles/{article['id']}/versions").json()["items"]) == 1
    case = created(api("POST", "/cases", json={"title": "Out of tune", "customer_account_id": ACCOUNT}))
    linked = api("POST", f"/cases/{case['id']}/articles", json={"article_id": article["id"]})
    assert linked.status_code == 200 and linked.json()["items"][0]["article_id"] == article["id"]


def test_sla_policies_and_routing_rules(api):
    queue = created(api("POST", "/queues", json={"name": f"Urgent {uuid.uuid4()}"}))
    rule = created(api("POST", "/routing-rules", json={"name": "urgent", "position": 1, "queue_id": queue["id"],
                                                      "conditions": {"priority": ["urgent"]}}))
    assert rule["conditions"] == {"priority": ["urgent"]}
    policy = api("POST", "/sla-policies", json={"name": "Urgent", "priority": "urgent", "first_response_minutes": 30,
                                                "resolve_minutes": 240, "time_zone": "Europe/Paris",
                                                "holidays": ["2026-12-25"]})
    assert created(policy)["day_start"] == "09:00"
    case = created(api("POST", "/cases", json={"title": "Outage", "customer_account_id": ACCOUNT, "priority": "urgent"}))
    assert case["queue_id"] == queue["id"] and case["resolve_by"] and case["sla"]["resolve"] in ("on_track", "at_risk")
    assert api("POST", "/sla-policies", json={"name": "Dup", "priority": "urgent", "first_response_minutes": 1,
                                              "resolve_minutes": 1}).status_code == 422
    api("DELETE", f"/routing-rules/{rule['id']}")


def test_every_service_desk_path_of_the_contract_is_documented(client):
    paths = client.get("/openapi.json").json()["paths"]
    contract = {
        "/api/v1/cases": {"get", "post"}, "/api/v1/cases/{case_id}": {"get", "patch", "delete"},
        "/api/v1/cases/{case_id}/resolve": {"post"}, "/api/v1/cases/{case_id}/cancel": {"post"},
        "/api/v1/cases/{case_id}/reopen": {"post"}, "/api/v1/cases/{case_id}/articles": {"get", "post"},
        "/api/v1/queues": {"get", "post"}, "/api/v1/queues/{queue_id}/items": {"get", "post"},
        "/api/v1/queue-items/{queue_item_id}/pick": {"post"}, "/api/v1/queue-items/{queue_item_id}/release": {"post"},
        "/api/v1/queue-items/{queue_item_id}/route": {"post"}, "/api/v1/kb/articles": {"get", "post"},
        "/api/v1/contracts": {"get", "post"}, "/api/v1/contracts/{contract_id}/activate": {"post"},
        "/api/v1/contracts/{contract_id}/cancel": {"post"},
    }
    assert {path: methods - set(paths.get(path, {})) for path, methods in contract.items()} == \
        {path: set() for path in contract}
