"""Bearer tokens: issue and check JWTs (HS256), and the dependency that requires one."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import deps, requestid, users
from gateway.access import enforce
from gateway.config import Settings
from gateway.problems import Problem

ALGORITHM = "HS256"
ISSUER = "crm-gateway"

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def issue_token(settings: Settings, user: users.User, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    claims = {"sub": str(user.id), "iss": ISSUER, "iat": now, "ver": user.token_version,
              "exp": now + timedelta(seconds=settings.token_ttl_s)}
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def token_claims(settings: Settings, token: str) -> tuple[uuid.UUID, int] | None:
    """(user id, token version) of a valid, unexpired token of ours; None for anything else.
    Tokens from before versions existed count as version 0."""
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["sub", "exp", "iss"]})
        version = claims.get("ver", 0)
        if not isinstance(version, int):
            return None
        return uuid.UUID(claims["sub"]), version
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return None


def user_id_from_token(settings: Settings, token: str) -> uuid.UUID | None:
    """The user id of a valid, unexpired token of ours; None for anything else.
    Says nothing about revocation: use `user_from_token` for that."""
    claims = token_claims(settings, token)
    return claims[0] if claims is not None else None


async def user_from_token(settings: Settings, engine: AsyncEngine, token: str) -> users.User | None:
    """The active user a token belongs to, unless it was issued before their last password
    change (its version is older than the user's)."""
    claims = token_claims(settings, token)
    if claims is None:
        return None
    user = await users.get_active_user(engine, claims[0])
    return user if user is not None and user.token_version == claims[1] else None


def user_id_from_authorization(settings: Settings, header: str | None) -> uuid.UUID | None:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_id_from_token(settings, token.strip())


def unauthorized(detail: str, invalid_token: bool = False) -> Problem:
    # RFC 6750: say which scheme to use, and flag a token that was sent but is no good.
    challenge = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
    return Problem(401, detail, headers={"WWW-Authenticate": challenge})


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: Annotated[Settings, Depends(deps.settings)],
    engine: Annotated[AsyncEngine, Depends(deps.engine)],
) -> users.User:
    """The caller, allowed by the security model to do what the route does (gateway.access);
    answers 401 problem+json without a valid token of an active user, 403 / 404 outside the
    caller's privileges. The database check makes deactivating a user, or changing their
    password, take effect before their tokens expire."""
    if credentials is None:
        raise unauthorized("A bearer token is required.")
    user = await user_from_token(settings, engine, credentials.credentials)
    if user is None:
        raise unauthorized("The token is invalid or has expired.", invalid_token=True)
    requestid.actor.set(str(user.id))  # RPCs of this request name the user (audit trail)
    await enforce.authorize(request, user)
    return user


CurrentUser = Annotated[users.User, Depends(current_user)]
