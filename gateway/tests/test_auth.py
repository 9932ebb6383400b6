"""Token endpoint, bearer checks, user creation and the first administrator (real PostgreSQL)."""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy import create_engine, select, update

from crmkit.testing.waiting import wait_until
from gateway import auth, db, users
from gateway.tables import users as users_table


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and {"type", "title", "detail", "errors"} <= set(body)
    return body


def test_token_for_good_credentials(client, settings, admin):
    response = client.post("/api/v1/auth/token", json={"username": admin[0], "password": admin[1]})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], settings.jwt_secret, algorithms=["HS256"],
                        issuer=auth.ISSUER)
    assert uuid.UUID(claims["sub"]) and claims["exp"] - claims["iat"] == 3600


@pytest.mark.parametrize("username, password", [("admin", "wrong"), ("nobody", "whatever")])
def test_bad_credentials_are_401_problems(client, username, password):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert_problem(response, 401)


def test_api_needs_a_bearer_token(client):
    response = client.get("/api/v1/accounts")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


FORGED = jwt.encode({"sub": str(uuid.uuid4()), "iss": auth.ISSUER, "exp": 4102444800},
                    "somebody-elses-key-that-is-long-enough-0123")


@pytest.mark.parametrize("token", ["garbage", FORGED])
def test_invalid_tokens_are_401_problems(client, token):
    response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_expired_token_is_401(client, settings, gateway_db, admin):
    engine = create_engine(gateway_db)
    with engine.connect() as conn:
        admin_id = conn.execute(select(users_table.c.id).where(users_table.c.username == admin[0])).scalar_one()
    engine.dispose()
    user = users.User(admin_id, admin[0], is_admin=True, is_active=True)
    fresh = auth.issue_token(settings, user)
    assert client.get("/api/v1/accounts/x", headers={"Authorization": f"Bearer {fresh}"}).status_code == 422
    expired = auth.issue_token(settings, user, now=datetime.now(timezone.utc) - timedelta(hours=2))
    assert_problem(client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {expired}"}), 401)


def test_operator_created_user_can_log_in_until_deactivated(client, gateway_db, get_token):
    name = f"user-{uuid.uuid4().hex[:8]}"
    created = users.create_user(gateway_db, name, "s3cret-pass", roles=["salesperson"])
    assert created.username == name and not created.is_admin and created.is_active
    token = get_token(name, "s3cret-pass")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/accounts/not-a-uuid", headers=headers).status_code == 422  # got past auth
    with pytest.raises(users.UsernameTaken):
        users.create_user(gateway_db, name, "other")

    engine = create_engine(gateway_db)
    with engine.begin() as conn:
        conn.execute(update(users_table).where(users_table.c.id == created.id).values(is_active=False))
    engine.dispose()
    # Changed behind the gateway's back: each process remembers an active user for at most
    # CRM_ACTIVE_USER_TTL_S (1 s) before reading the row again.
    started = time.monotonic()
    wait_until(lambda: client.get("/api/v1/accounts/not-a-uuid", headers=headers).status_code == 401,
               timeout=5, message="the deactivated user refused")
    assert time.monotonic() - started <= users.ACTIVE_USER_TTL_S + 1.0
    assert_problem(client.get("/api/v1/accounts/not-a-uuid", headers=headers), 401)


def test_create_user_inside_a_callers_transaction(gateway_db):
    engine = create_engine(gateway_db)
    name = f"tx-{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        users.create_user(conn, name, "pw", is_admin=True)
        conn.rollback()  # the caller owns the transaction
    with engine.connect() as conn:
        assert conn.execute(select(users_table.c.id).where(users_table.c.username == name)).first() is None
    engine.dispose()


def test_admin_bootstrap_is_idempotent_under_concurrent_starts(make_database):
    url = make_database("gateway")

    async def two_starts():
        engines = [db.create_engine(url), db.create_engine(url)]
        try:
            return await asyncio.gather(*(users.ensure_admin(e, "root", "pw") for e in engines))
        finally:
            for e in engines:
                await e.dispose()

    assert sorted(asyncio.run(two_starts())) == [False, True]
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(users_table.c.is_admin).where(users_table.c.username == "root")).all()
    engine.dispose()
    assert rows == [(True,)]

