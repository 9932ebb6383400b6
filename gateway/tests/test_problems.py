"""Pure unit tests: error mapping, field names, money and email fields, If-Match."""
from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import Request
from pydantic import ValidationError

from gateway import idempotency
from gateway.crud import expected_version
from gateway.models.accounts import Account, AccountCreate, AccountUpdate
from gateway.models.fields import check_email
from gateway.problems import (
    Problem, field_name, from_remote_error, from_unavailable, validation_errors,
)
from gateway.rpc import RemoteError, ServiceUnavailable

RECORD = {"id": "0b0c0c9e-8b1f-4f5e-9a52-0d8f5a2b1c11", "created_at": "2025-01-02T03:04:05+00:00",
          "updated_at": "2025-01-02T03:04:05+00:00", "owner_id": None, "version": 1}


@pytest.mark.parametrize("exc_type, status", [
    ("NotFound", 404), ("Conflict", 409), ("ValidationFailed", 422), ("PreconditionFailed", 412),
])
def test_service_errors_keep_their_status_detail_and_fields(exc_type, status):
    error = RemoteError.from_reply("sales", "get_account", {
        "exc_type": exc_type, "exc_path": f"crmkit.errors.{exc_type}",
        "exc_args": ["Account 1 not found", [{"field": "name", "message": "bad"}]], "value": "x"})
    problem = from_remote_error(error)
    assert (problem.status, problem.detail) == (status, "Account 1 not found")
    assert problem.errors == [{"field": "name", "message": "bad"}]
    assert set(problem.body()) == {"type", "title", "status", "detail", "errors"}


def test_any_other_service_error_is_a_bad_gateway_without_internals():
    error = RemoteError.from_reply("sales", "boom", {
        "exc_type": "KeyError", "exc_path": "builtins.KeyError", "exc_args": ["secret"],
        "value": "'secret internals'"})
    assert error.detail == "'secret internals'" and error.errors == []
    problem = from_remote_error(error)
    assert problem.status == 502
    assert "secret" not in problem.detail


def test_unavailable_service_is_503_with_retry_after():
    problem = from_unavailable(ServiceUnavailable("sales", "no reply"), retry_after_s=7)
    assert problem.status == 503
    assert problem.headers == {"Retry-After": "7"}
    assert problem.response().media_type == "application/problem+json"


@pytest.mark.parametrize("loc, name", [
    (("body", "email"), "email"), (("body", "address", "city"), "address.city"),
    (("query", "limit"), "limit"), (("header", "If-Match"), "If-Match"),
    (("body",), "body"), (("body", "lines", 0, "qty"), "lines.0.qty"),
])
def test_field_names_drop_the_request_part(loc, name):
    assert field_name(loc) == name


def test_validation_errors_list_every_field_in_plain_words():
    with pytest.raises(ValidationError) as caught:
        AccountCreate.model_validate({"email": "nope", "credit_limit": "-1", "currency": "euro"})
    errors = validation_errors(caught.value.errors())
    assert [e["field"] for e in errors] == ["name", "email", "credit_limit", "currency"]
    assert errors[1]["message"] == "not a valid email address"  # no "Value error, " noise


def test_money_is_a_decimal_string_both_ways():
    account = Account.model_validate({**RECORD, "name": "A", "credit_limit": "1234.50"})
    assert account.credit_limit == Decimal("1234.50")
    assert account.model_dump(mode="json")["credit_limit"] == "1234.50"
    assert Account.model_validate({**RECORD, "name": "A", "credit_limit": "1E+3"}) \
        .model_dump(mode="json")["credit_limit"] == "1000"
    assert AccountCreate(name="A", credit_limit=12).model_dump(mode="json")["credit_limit"] == "12"
    with pytest.raises(ValidationError, match="decimal string"):
        AccountCreate.model_validate({"name": "A", "credit_limit": 0.1})


def test_patch_may_omit_but_not_null_a_required_field():
    assert AccountUpdate.model_validate({"industry": None}).model_dump(exclude_unset=True) == {"industry": None}
    with pytest.raises(ValidationError, match="cannot be null"):
        AccountUpdate.model_validate({"name": None})


@pytest.mark.parametrize("email, ok", [
    ("ana@example.com", True), ("a.b+tag@mail.example.co.uk", True), ("nope", False),
    ("a@b", False), ("a b@example.com", False), ("a@@example.com", False), ("a@-x.com", False),
])
def test_email_check(email, ok):
    if ok:
        assert check_email(email) == email
    else:
        with pytest.raises(ValueError):
            check_email(email)


@pytest.mark.parametrize("header, version", [(None, None), ("3", 3), ('"3"', 3), ('W/"12"', 12)])
def test_if_match_reads_a_version(header, version):
    assert expected_version(header) == version


def test_if_match_that_is_not_a_version_is_422():
    with pytest.raises(Problem) as caught:
        expected_version("abc")
    assert caught.value.status == 422 and caught.value.errors[0]["field"] == "If-Match"


def test_idempotency_fingerprint_and_body_storage():
    base = idempotency.request_hash("POST", "/api/v1/accounts", "", b'{"name":"A"}')
    assert base == idempotency.request_hash("POST", "/api/v1/accounts", "", b'{"name":"A"}')
    assert base != idempotency.request_hash("POST", "/api/v1/accounts", "", b'{"name":"B"}')
    assert base != idempotency.request_hash("POST", "/api/v1/contacts", "", b'{"name":"A"}')
    stored = idempotency.encode_body(b'{"a":"1.50","b":[1]}', "application/json")
    assert idempotency.decode_body(stored, "application/json") == b'{"a":"1.50","b":[1]}'
    assert idempotency.encode_body(b"", "application/json") is None
    assert idempotency.decode_body(None, "") == b""


def test_the_gateways_own_database_down_is_503_with_retry_after_not_500():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import OperationalError

    from gateway import problems

    app = FastAPI()
    problems.install(app, retry_after_s=7)

    @app.get("/needs-the-database")
    async def needs_the_database():
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    response = TestClient(app, raise_server_exceptions=False).get("/needs-the-database")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert response.headers["content-type"] == "application/problem+json"


def test_import_uploads_have_their_own_larger_body_limit():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from gateway import problems
    from gateway.bodylimit import BodyLimitMiddleware

    app = FastAPI()
    problems.install(app, retry_after_s=5)

    @app.post("/api/v1/imports/contacts")
    @app.post("/api/v1/accounts")
    async def echo_size(request: Request):
        return {"bytes": len(await request.body())}

    app.add_middleware(BodyLimitMiddleware, max_bytes=1000, by_prefix={"/api/v1/imports/": 100_000})
    client = TestClient(app)
    body = b"x" * 50_000
    assert client.post("/api/v1/imports/contacts", content=body).json() == {"bytes": 50_000}
    assert client.post("/api/v1/accounts", content=body).status_code == 413
    assert client.post("/api/v1/imports/contacts", content=b"x" * 100_001).status_code == 413
