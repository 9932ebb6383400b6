"""Bad input never reaches a service and always comes back as a 422 problem listing every
bad field; unknown routes and methods are problems too; the OpenAPI document is complete."""
from __future__ import annotations

import pytest


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def fields(body):
    return {e["field"]: e["message"] for e in body["errors"]}


def test_invalid_account_lists_each_bad_field(client, auth_headers):
    body = problem(client.post("/api/v1/accounts", headers=auth_headers, json={
        "email": "not-an-email", "credit_limit": "-5", "currency": "euro",
        "address": {"city": "x" * 101}, "parent_account_id": "42",
    }), 422)
    assert set(fields(body)) == {"name", "email", "credit_limit", "currency", "address.city",
                                 "parent_account_id"}
    assert body["title"] == "Unprocessable Entity"


@pytest.mark.parametrize("payload, field", [
    ({"name": "A", "colour": "red"}, "colour"),
    ({"name": "A", "address": {"street": "x"}}, "address.street"),
    ({"name": "A", "credit_limit": 10.5}, "credit_limit"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
])
def test_account_create_rejects(client, auth_headers, payload, field):
    assert field in fields(problem(client.post("/api/v1/accounts", headers=auth_headers, json=payload), 422))


def test_invalid_contact_and_patch_bodies(client, auth_headers):
    body = problem(client.post("/api/v1/contacts", headers=auth_headers,
                               json={"birth_date": "31/12/1990", "account_id": "x"}), 422)
    assert set(fields(body)) == {"last_name", "birth_date", "account_id"}
    some_id = "6f1c5a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f"
    body = problem(client.patch(f"/api/v1/contacts/{some_id}", headers=auth_headers,
                                json={"last_name": None, "nickname": "x"}), 422)
    assert fields(body) == {"last_name": "cannot be null", "nickname": "Extra inputs are not permitted"}
    body = problem(client.patch(f"/api/v1/accounts/{some_id}", headers=auth_headers,
                                json={"name": None}), 422)
    assert fields(body) == {"name": "cannot be null"}
    body = problem(client.patch(f"/api/v1/accounts/{some_id}", json={"industry": "x"},
                                headers={**auth_headers, "If-Match": "yesterday"}), 422)
    assert "If-Match" in fields(body)


def test_list_parameters_are_checked(client, auth_headers):
    body = problem(client.get("/api/v1/accounts?limit=501&sort=name;drop&parent_account_id=x&colour=red",
                              headers=auth_headers), 422)
    assert set(fields(body)) == {"limit", "sort", "parent_account_id", "colour"}
    assert "limit" in fields(problem(client.get("/api/v1/contacts?limit=0", headers=auth_headers), 422))


def test_unknown_route_and_method_are_problems(client, auth_headers):
    assert problem(client.get("/api/v1/nothing-here", headers=auth_headers), 404)["detail"]
    response = client.put("/api/v1/accounts", headers=auth_headers, json={})
    problem(response, 405)
    assert "GET" in response.headers["allow"]


def test_malformed_json_is_422(client, auth_headers):
    response = client.post("/api/v1/accounts", content=b'{"name": ',
                           headers={**auth_headers, "Content-Type": "application/json"})
    assert problem(response, 422)["errors"]


def test_openapi_describes_every_endpoint(client):
    assert client.get("/docs").status_code == 200
    document = client.get("/openapi.json").json()
    expected = {"/health", "/ready", "/metrics", "/api/v1/auth/token",
                "/api/v1/accounts", "/api/v1/accounts/{account_id}",
                "/api/v1/contacts", "/api/v1/contacts/{contact_id}"}
    assert expected <= set(document["paths"])
    for path, item in document["paths"].items():
        for method, operation in item.items():
            ok = [code for code in operation["responses"] if code.startswith("2")]
            assert ok, (method, path)
            for code, response in operation["responses"].items():
                if code != "204":
                    assert response.get("content"), (method, path, code)
            if method in ("post", "patch"):
                assert operation["requestBody"]["content"]["application/json"]["schema"], (method, path)
    create = document["paths"]["/api/v1/accounts"]["post"]["responses"]
    assert create["422"]["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    account = document["components"]["schemas"]["Account"]["properties"]
    assert {"id", "created_at", "updated_at", "owner_id", "version", "credit_limit"} <= set(account)


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("idempotent", [False, True])
def test_too_large_bodies_are_413_problems(client, auth_headers, chunked, idempotent):
    body = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {**auth_headers, "Content-Type": "application/json"}
    if idempotent:
        headers["Idempotency-Key"] = f"big-{chunked}"
    content = iter([body[:1000], body[1000:]]) if chunked else body
    response = client.post("/api/v1/accounts", content=content, headers=headers)
    assert problem(response, 413)["detail"] == "The request body is too large."
