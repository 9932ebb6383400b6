"""Brute-force protection of the token endpoint, and token revocation on a password change
(real PostgreSQL, the app in-process)."""
from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from gateway import users
from gateway.app import create_app
from gateway.loginguard import LoginGuard
from gateway.tables import users as users_table
from test_auth import assert_problem

TOKEN = "/api/v1/auth/token"
PASSWORD = "/api/v1/auth/password"


@pytest.fixture(scope="module")
def strict_app(make_settings, rabbit_vhost, sales_stub):
    """A gateway with small limits: 3 failures lock a username, 6 an address."""
    settings = make_settings(rabbit_vhost, login_max_failures_per_user=3,
                             login_max_failures_per_address=6, login_window_s=600,
                             login_lockout_s=600)
    app = create_app(settings)
    with TestClient(app):  # runs the lifespan once for the module
        yield app


def client_from(app, address: str) -> TestClient:
    # Not entered as a context manager: the module's lifespan is already running.
    return TestClient(app, client=(address, 40000))


def new_user(gateway_db, password="right-password-123") -> tuple[str, str]:
    name = f"sec-{uuid.uuid4().hex[:8]}"
    users.create_user(gateway_db, name, password, roles=["salesperson"])
    return name, password


def login(client, username, password):
    return client.post(TOKEN, json={"username": username, "password": password})


def test_username_locked_after_failures_even_with_right_password(strict_app, gateway_db):
    name, password = new_user(gateway_db)
    first, second = client_from(strict_app, "10.1.0.1"), client_from(strict_app, "10.1.0.2")
    for attempt in range(3):
        # Spread over two addresses: the lock is on the username.
        assert_problem(login(first if attempt % 2 else second, name, "wrong"), 401)
    locked = login(first, name, password)
    body = assert_problem(locked, 429)
    assert "try again later" in body["detail"]
    assert 0 < int(locked.headers["retry-after"]) <= 600
    # Another user from the same addresses is not affected.
    other, other_password = new_user(gateway_db)
    assert login(first, other, other_password).status_code == 200


def test_success_resets_the_username_failures(strict_app, gateway_db):
    name, password = new_user(gateway_db)
    client = client_from(strict_app, "10.2.0.1")
    for _ in range(2):
        assert login(client, name, "wrong").status_code == 401
    assert login(client, name, password).status_code == 200
    for _ in range(2):
        assert login(client, name, "wrong").status_code == 401
    assert login(client, name, password).status_code == 200


def test_address_locked_after_failures_across_usernames(strict_app, gateway_db):
    sprayer, bystander = client_from(strict_app, "10.3.0.1"), client_from(strict_app, "10.3.0.2")
    for i in range(6):  # password spraying: one guess each for many usernames
        assert login(sprayer, f"nobody-{i}-{uuid.uuid4().hex[:6]}", "Summer2026!").status_code == 401
    name, password = new_user(gateway_db)
    response = login(sprayer, name, password)
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) > 0
    assert login(bystander, name, password).status_code == 200


def test_lockout_ends_after_the_lockout_time(make_settings, rabbit_vhost):
    now = [1000.0]
    guard = LoginGuard(make_settings(rabbit_vhost, login_max_failures_per_user=2,
                                     login_window_s=60, login_lockout_s=300), clock=lambda: now[0])
    guard.failed("alice", "a")
    now[0] += 61  # the first failure leaves the window
    guard.failed("alice", "b")
    assert guard.retry_after("alice", "c") is None
    guard.failed("Alice", "c")  # usernames compare case-insensitively
    assert guard.retry_after("alice", "d") == 300
    now[0] += 299.5
    assert guard.retry_after("alice", "d") == 1
    now[0] += 1
    assert guard.retry_after("alice", "d") is None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_password_change_revokes_older_tokens(strict_app, gateway_db):
    client = client_from(strict_app, "10.4.0.1")
    name, password = new_user(gateway_db)
    old_a = login(client, name, password).json()["access_token"]
    old_b = login(client, name, password).json()["access_token"]
    assert client.get("/api/v1/accounts/not-a-uuid", headers=bearer(old_a)).status_code == 422

    changed = client.post(PASSWORD, headers=bearer(old_a),
                          json={"current_password": password, "new_password": "a-new-long-password"})
    assert changed.status_code == 200, changed.text
    assert changed.headers["cache-control"] == "no-store"
    fresh = changed.json()["access_token"]

    for old in (old_a, old_b):
        response = client.get("/api/v1/accounts/not-a-uuid", headers=bearer(old))
        assert_problem(response, 401)
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert client.get("/api/v1/accounts/not-a-uuid", headers=bearer(fresh)).status_code == 422
    assert_problem(login(client, name, password), 401)
    assert login(client, name, "a-new-long-password").status_code == 200

    engine = create_engine(gateway_db)
    with engine.connect() as conn:
        row = conn.execute(select(users_table.c.token_version, users_table.c.password_changed_at)
                           .where(users_table.c.username == name)).one()
    engine.dispose()
    assert row.token_version == 1 and row.password_changed_at.tzinfo is not None


def test_password_change_refusals_change_nothing(strict_app, gateway_db):
    client = client_from(strict_app, "10.5.0.1")
    name, password = new_user(gateway_db)
    token = login(client, name, password).json()["access_token"]

    short = client.post(PASSWORD, headers=bearer(token), json={"current_password": "", "new_password": "short"})
    fields = {e["field"] for e in assert_problem(short, 422)["errors"]}
    assert fields == {"current_password", "new_password"}
    same = client.post(PASSWORD, headers=bearer(token),
                       json={"current_password": password, "new_password": password})
    assert [e["field"] for e in assert_problem(same, 422)["errors"]] == ["new_password"]
    wrong = client.post(PASSWORD, headers=bearer(token),
                        json={"current_password": "not-it", "new_password": "another-long-password"})
    assert [e["field"] for e in assert_problem(wrong, 403)["errors"]] == ["current_password"]
    assert_problem(client.post(PASSWORD, json={"current_password": password, "new_password": "x" * 20}), 401)

    # Nothing changed: the token and the password still work.
    assert client.get("/api/v1/accounts/not-a-uuid", headers=bearer(token)).status_code == 422
    assert login(client, name, password).status_code == 200


def test_wrong_current_passwords_count_towards_the_lockout(strict_app, gateway_db):
    client = client_from(strict_app, "10.6.0.1")
    name, password = new_user(gateway_db)
    token = login(client, name, password).json()["access_token"]
    for _ in range(3):
        wrong = client.post(PASSWORD, headers=bearer(token),
                            json={"current_password": "guess", "new_password": "another-long-password"})
        assert wrong.status_code == 403
    locked = client.post(PASSWORD, headers=bearer(token),
                         json={"current_password": password, "new_password": "another-long-password"})
    assert_problem(locked, 429)
    assert_problem(login(client, name, password), 429)


def test_two_concurrent_changes_on_one_token_version_leave_one(gateway_db):
    import asyncio

    from gateway import db

    name, _ = new_user(gateway_db)

    async def race():
        engine = db.create_engine(gateway_db)
        try:
            current = await users.get_active_user(engine, _user_id(gateway_db, name))
            assert current is not None and current.token_version == 0
            return await asyncio.gather(users.change_password(engine, current, "first-new-password"),
                                        users.change_password(engine, current, "second-new-password"),
                                        return_exceptions=True)
        finally:
            await engine.dispose()

    results = asyncio.run(race())
    assert sorted(type(r).__name__ for r in results) == ["StaleCredentials", "User"]
    winner = next(r for r in results if isinstance(r, users.User))
    assert winner.token_version == 1


def _user_id(gateway_db, name):
    engine = create_engine(gateway_db)
    with engine.connect() as conn:
        found = conn.execute(select(users_table.c.id).where(users_table.c.username == name)).scalar_one()
    engine.dispose()
    return found
