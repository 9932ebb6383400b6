"""Security headers on every kind of response, passwords never in logs, body size limits."""
from __future__ import annotations

import logging
import uuid

import pytest

from gateway import users
from gateway.securityheaders import CSP
from test_auth import assert_problem

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": CSP,
}


def assert_security_headers(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/health", 200),                    # a plain JSON route
    ("GET", "/api/v1/accounts", 401),           # a problem from the auth dependency
    ("GET", "/api/v1/no-such-route", 404),      # the router's own 404
    ("GET", "/login", 200),                     # a UI page
    ("GET", "/ui/static/crm.css", 200),         # a static file
    ("GET", "/openapi.json", 200),
])
def test_every_response_has_the_headers(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status
    assert_security_headers(response)


def test_csp_forbids_framing_and_inline_script(client):
    policy = client.get("/login").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in policy


def test_ui_pages_carry_no_inline_script_the_policy_would_block(client):
    page = client.get("/login").text
    # The policy allows only scripts from this origin: every <script> must have a src.
    for tag in page.split("<script")[1:]:
        assert "src=" in tag.split(">", 1)[0], tag[:200]
    assert " style=" not in page and "<style" not in page


def test_docs_page_gets_a_policy_that_lets_it_load(client):
    response = client.get("/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_oversized_bodies_are_413_problems_with_headers(client, settings, auth_headers):
    too_big = b'{"name": "' + b"x" * settings.max_body_bytes + b'"}'
    declared = client.post("/api/v1/accounts", content=too_big,
                           headers={**auth_headers, "Content-Type": "application/json"})
    assert_problem(declared, 413)
    assert_security_headers(declared)

    def chunks():  # no Content-Length: counted while it arrives
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536

    streamed = client.post("/api/v1/auth/token", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert_problem(streamed, 413)


def test_long_fields_are_422_not_stored(client):
    response = client.post("/api/v1/auth/token", json={"username": "u" * 101, "password": "p" * 1025})
    fields = {e["field"] for e in assert_problem(response, 422)["errors"]}
    assert fields == {"username", "password"}


def test_no_password_or_token_in_the_logs(client, gateway_db, caplog):
    name = f"logs-{uuid.uuid4().hex[:8]}"
    secret = f"Correct-Horse-{uuid.uuid4().hex}"
    new_secret = f"Battery-Staple-{uuid.uuid4().hex}"
    wrong = f"Wrong-Guess-{uuid.uuid4().hex}"
    users.create_user(gateway_db, name, secret, roles=["salesperson"])
    with caplog.at_level(logging.DEBUG):
        assert client.post("/api/v1/auth/token", json={"username": name, "password": wrong}).status_code == 401
        token = client.post("/api/v1/auth/token", json={"username": name, "password": secret}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": wrong, "new_password": new_secret}).status_code == 403
        assert client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": secret, "new_password": "short"}).status_code == 422
        assert client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": secret, "new_password": new_secret}).status_code == 200
        # The UI's sign-in form, which posts the password as a form field.
        client.post("/login", data={"username": name, "password": wrong})
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__}" for r in caplog.records)
    assert caplog.records, "nothing was captured: the test would prove nothing"
    assert "changed their password" in logged  # the change itself is logged, without secrets
    for leaked in (secret, new_secret, wrong, token):
        assert leaked not in logged
