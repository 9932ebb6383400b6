"""NUL characters (which PostgreSQL text cannot hold) in a path, query or JSON body are a 422
naming each field and never reach a service. Found by API fuzzing: they were 502s."""
from __future__ import annotations

import functools

import pytest

from gateway.nulchars import body_fields, query_fields
from test_auth import assert_problem


def sales_calls(client, method):
    return client.portal.call(functools.partial(client.app.state.rpc.call, "sales", "calls", method=method))


def test_nul_in_a_json_body_is_422_for_each_field_and_reaches_no_service(client, auth_headers):
    before = (sales_calls(client, "create_account"))
    response = client.post("/api/v1/accounts", headers=auth_headers,
                           json={"name": "A\x00B", "address": {"city": "Pa\x00ris"}, "website": "ok"})
    body = assert_problem(response, 422)
    assert [(e["field"], "NUL" in e["message"]) for e in body["errors"]] == [("name", True), ("address.city", True)]
    assert sales_calls(client, "create_account") == before


def test_nul_in_a_query_parameter_is_422(client, auth_headers):
    response = client.get("/api/v1/accounts?account_number=ab%00c&city=fine", headers=auth_headers)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["account_number"]


def test_nul_in_the_path_is_422(client, auth_headers):
    assert [e["field"] for e in assert_problem(client.get("/api/v1/accounts/a%00b", headers=auth_headers),
                                               422)["errors"]] == ["path"]


def test_an_escaped_backslash_u0000_is_ordinary_text(client, auth_headers):
    # The six characters \u0000 (a JSON-escaped backslash before "u0000") are fine text.
    response = client.post("/api/v1/accounts", headers=auth_headers, json={"name": "C:\\u0000 path"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("body, expected", [
    (b'{"a": ["x", "y\\u0000"], "b": {"c\\u0000": 1}}', ["a.1", "b.c"]),
    (b'["\\u0000"]', ["0"]), (b'"\\u0000"', ["body"]), (b'not json \\u0000', []), (b'{"a": "plain"}', []),
])
def test_body_fields(body, expected):
    assert body_fields(body) == expected


def test_query_fields():
    assert query_fields(b"a=1&b=%00&c%00d=2&b=x%00") == ["b", "cd"]
