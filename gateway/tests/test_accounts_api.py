"""Accounts and contacts through HTTP, RPC and a real nameko stand-in for sales."""
from __future__ import annotations

import functools
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest


@pytest.fixture
def create(client, auth_headers):
    def create_account(headers=None, **fields):
        response = client.post("/api/v1/accounts", json={"name": "Acme", **fields},
                               headers={**auth_headers, **(headers or {})})
        return response

    return create_account


def stub_calls(client, method: str) -> int:
    """How often the stand-in ran `method`, asked through the app's own RPC client on the
    app's event loop."""
    return client.portal.call(functools.partial(client.app.state.rpc.call, "sales", "calls", method=method))


def test_unknown_id_is_a_404_problem(client, auth_headers):
    missing = uuid.uuid4()
    response = client.get(f"/api/v1/accounts/{missing}", headers=auth_headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                               "detail": f"Account {missing} not found", "errors": []}


def test_create_returns_201_location_and_the_record(client, auth_headers, create):
    response = create(credit_limit="1234.50", currency="EUR", email="info@acme.example",
                      address={"city": "Lyon", "country": "FR"})
    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["location"] == f"/api/v1/accounts/{record['id']}"
    assert response.headers["etag"] == '"1"'
    assert record["credit_limit"] == "1234.50"  # a string, never a JSON number
    assert record["address"] == {"line1": None, "city": "Lyon", "postal_code": None, "country": "FR"}
    assert record["version"] == 1 and record["owner_id"]
    assert record["created_at"].endswith(("Z", "+00:00"))

    fetched = client.get(response.headers["location"], headers=auth_headers)
    assert fetched.status_code == 200 and fetched.json() == record


def test_service_validation_errors_become_422_problems(create):
    response = create(name="Reserved")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "message": "is reserved"}]


def test_patch_with_if_match_and_delete(client, auth_headers, create):
    location = create(industry="Retail").headers["location"]
    stale = client.patch(location, json={"industry": "Energy"}, headers={**auth_headers, "If-Match": '"7"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"

    updated = client.patch(location, json={"industry": "Energy", "credit_limit": "10"},
                           headers={**auth_headers, "If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.json()["industry"] == "Energy" and updated.json()["version"] == 2
    assert updated.json()["credit_limit"] == "10"
    assert updated.headers["etag"] == '"2"'

    deleted = client.delete(location, headers=auth_headers)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(location, headers=auth_headers).status_code == 404
    assert client.delete(location, headers=auth_headers).status_code == 404


def test_list_passes_filters_query_sort_and_paging(client, auth_headers, create):
    industry = f"Industry-{uuid.uuid4().hex[:6]}"
    for name in ("Beta", "Alpha", "Gamma"):
        assert create(name=name, industry=industry).status_code == 201
    first = client.get("/api/v1/accounts", params={"industry": industry, "sort": "name", "limit": 2},
                       headers=auth_headers).json()
    assert [a["name"] for a in first["items"]] == ["Alpha", "Beta"] and first["next_cursor"]
    rest = client.get("/api/v1/accounts", params={"industry": industry, "sort": "name", "limit": 2,
                                                  "cursor": first["next_cursor"]}, headers=auth_headers).json()
    assert [a["name"] for a in rest["items"]] == ["Gamma"] and rest["next_cursor"] is None
    searched = client.get("/api/v1/accounts", params={"industry": industry, "q": "alp"},
                          headers=auth_headers).json()
    assert [a["name"] for a in searched["items"]] == ["Alpha"]


def test_a_service_failure_is_a_502_problem_not_a_500(client, auth_headers):
    # The stand-in has no contact methods, so nameko answers with MethodNotFound.
    response = client.get("/api/v1/contacts", headers=auth_headers)
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The sales service failed to handle the request."


def test_fifty_concurrent_requests_each_get_their_own_record(client, auth_headers):
    names = [f"Concurrent {n}" for n in range(50)]

    def create_one(name):
        return client.post("/api/v1/accounts", json={"name": name}, headers=auth_headers)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(create_one, names))
    assert [r.status_code for r in responses] == [201] * 50
    assert [r.json()["name"] for r in responses] == names
    assert len({r.json()["id"] for r in responses}) == 50


def test_idempotency_key_replays_the_first_response(client, auth_headers, create):
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    before = stub_calls(client, "create_account")
    first = create(headers=key, name="Once", credit_limit="99.90")
    again = create(headers=key, name="Once", credit_limit="99.90")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert stub_calls(client, "create_account") == before + 1

    other_body = create(headers=key, name="Twice")
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"


def test_idempotency_key_in_flight_is_409(client, auth_headers, create):
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    first: dict = {}
    worker = threading.Thread(target=lambda: first.update(r=create(headers=key, name="Slow one")))
    worker.start()
    time.sleep(0.3)  # the stand-in holds "Slow ..." creates for a second
    during = create(headers=key, name="Slow one")
    worker.join()
    assert during.status_code == 409, during.text
    assert first["r"].status_code == 201
    after = create(headers=key, name="Slow one")
    assert after.status_code == 201 and after.json() == first["r"].json()


def test_idempotency_keys_belong_to_one_user(client, auth_headers, create, gateway_db, get_token):
    from gateway import users

    name = f"other-{uuid.uuid4().hex[:6]}"
    users.create_user(gateway_db, name, "pw", roles=["salesperson"])
    key = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
    mine = create(headers=key, name="Mine")
    theirs = client.post("/api/v1/accounts", json={"name": "Theirs"},
                         headers={**key, "Authorization": f"Bearer {get_token(name, 'pw')}"})
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
