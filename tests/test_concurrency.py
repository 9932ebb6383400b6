"""Two users doing the same thing at the same moment through the gateway leave exactly one
effect: accepting one quote (one order, one QuoteAccepted), resolving one case (one contract
deduction, one CaseResolved), picking one queue item (one holder, one "picked")."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from crmkit.testing.suite_http import ok

from gateway import users

ROUNDS = 3  # each race is run a few times: one lucky interleaving proves little


@pytest.fixture(scope="module")
def two_users(suite):
    """Two separately signed-in users: (name, headers) each."""
    made = []
    with httpx.Client(base_url=suite.url, timeout=30) as client:
        for who in ("alice", "bob"):
            name, password = f"{who}-{uuid.uuid4().hex[:6]}", f"{who}-password-{uuid.uuid4().hex}"
            user = users.create_user(suite.database_url("gateway"), name, password, roles=["administrator"])
            token = ok(client.post("/api/v1/auth/token", json={"username": name, "password": password}))
            made.append((str(user.id), {"Authorization": f"Bearer {token['access_token']}"}))
    return made


def race(suite, two_users, method: str, path: str, body=None) -> list[httpx.Response]:
    """Both users send the request as close to the same instant as threads allow."""
    barrier = threading.Barrier(len(two_users))

    def send(user):
        _, headers = user
        with httpx.Client(base_url=suite.url, headers=headers, timeout=60) as client:
            request = client.build_request(method, path, json=body)
            barrier.wait()
            return client.send(request)

    with ThreadPoolExecutor(len(two_users)) as pool:
        return list(pool.map(send, two_users))


def one_winner(responses) -> httpx.Response:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.headers["content-type"].startswith("application/problem+json")
    return next(r for r in responses if r.status_code == 200)


def active_quote(api) -> dict:
    tag = uuid.uuid4().hex[:8]
    account = ok(api.post("/api/v1/accounts", json={"name": f"Race Quote {tag}"}), 201)
    product = ok(api.post("/api/v1/products", json={"name": "Seat", "product_number": f"R-{tag}", "unit": "seat"}), 201)
    price_list = ok(api.post("/api/v1/price-lists", json={"name": f"Race {tag}", "currency": "USD"}), 201)
    ok(api.post(f"/api/v1/price-lists/{price_list['id']}/items", json={"product_id": product["id"], "amount": "10.00"}),
       201)
    quote = ok(api.post("/api/v1/quotes", json={"name": "Race", "account_id": account["id"],
                                                "price_list_id": price_list["id"]}), 201)
    ok(api.post(f"/api/v1/quotes/{quote['id']}/lines", json={"product_id": product["id"], "quantity": "2"}), 201)
    return ok(api.post(f"/api/v1/quotes/{quote['id']}/activate", json={}))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_users_accepting_one_quote_make_one_order(suite, api, sql, two_users, round_):
    quote = active_quote(api)
    winner = one_winner(race(suite, two_users, "POST", f"/api/v1/quotes/{quote['id']}/accept"))
    order_id = winner.json()["order_id"]
    assert ok(api.get(f"/api/v1/quotes/{quote['id']}"))["status"] == "won"
    sales = sql(suite.database_url("sales"))
    assert sales.scalar("SELECT count(*) FROM orders WHERE quote_id = :q", q=quote["id"]) == 1
    assert str(sales.scalar("SELECT id FROM orders WHERE quote_id = :q", q=quote["id"])) == order_id
    assert sales.scalar("SELECT count(*) FROM outbox WHERE event_type = 'QuoteAccepted' "
                        "AND envelope->'payload'->>'quote_id' = :q", q=quote["id"]) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_users_resolving_one_case_charge_its_contract_once(suite, api, sql, two_users, round_):
    account = ok(api.post("/api/v1/accounts", json={"name": f"Race Case {uuid.uuid4().hex[:8]}"}), 201)
    today = date.today()
    contract = ok(api.post("/api/v1/contracts", json={
        "name": "Race support", "customer_account_id": account["id"], "start_date": str(today),
        "end_date": str(today + timedelta(days=365)), "allotment_type": "hours", "total_allotment": 600}), 201)
    ok(api.post(f"/api/v1/contracts/{contract['id']}/activate"))
    case = ok(api.post("/api/v1/cases", json={"title": "Race", "customer_account_id": account["id"],
                                              "contract_id": contract["id"]}), 201)
    winner = one_winner(race(suite, two_users, "POST", f"/api/v1/cases/{case['id']}/resolve",
                             {"resolution": "Fixed", "billable_minutes": 45}))
    assert winner.json()["status"] == "resolved"
    assert ok(api.get(f"/api/v1/contracts/{contract['id']}"))["remaining_allotment"] == 555
    desk = sql(suite.database_url("service_desk"))
    assert desk.scalar("SELECT count(*) FROM contract_deductions WHERE case_id = :c", c=case["id"]) == 1
    assert desk.scalar("SELECT count(*) FROM outbox WHERE event_type = 'CaseResolved' "
                       "AND envelope->'payload'->>'case_id' = :c", c=case["id"]) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_users_picking_one_queue_item_leave_one_holder(suite, api, two_users, round_):
    queue = ok(api.post("/api/v1/queues", json={"name": f"Race queue {uuid.uuid4()}"}), 201)
    case = ok(api.post("/api/v1/cases", json={"title": "Pick", "customer_account_id": str(uuid.uuid4())}), 201)
    item = ok(api.post(f"/api/v1/queues/{queue['id']}/items", json={"item_type": "case", "item_id": case["id"]}), 201)
    winner = one_winner(race(suite, two_users, "POST", f"/api/v1/queue-items/{item['id']}/pick"))
    holder = ok(api.get(f"/api/v1/queue-items/{item['id']}"))["worker_id"]
    assert holder == winner.json()["worker_id"]
    assert holder in {user_id for user_id, _ in two_users}
    history = ok(api.get(f"/api/v1/queue-items/{item['id']}/history"))["items"]
    assert [(h["action"], h.get("worker_id")) for h in history] == [("added", None), ("picked", holder)]
