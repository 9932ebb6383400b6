"""POST /api/v1/auth/token: username and password for a bearer token."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import auth, deps, users
from gateway.config import Settings
from gateway.models.auth import TokenRequest, TokenResponse
from gateway.openapi import errors

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenResponse, operation_id="issue_token",
             summary="Exchange a username and password for a bearer token",
             responses=errors(401, 422))
async def issue_token(credentials: TokenRequest,
                      settings: Annotated[Settings, Depends(deps.settings)],
                      engine: Annotated[AsyncEngine, Depends(deps.engine)]) -> TokenResponse:
    user = await users.authenticate(engine, credentials.username, credentials.password)
    if user is None:
        raise auth.unauthorized("Unknown username or wrong password.")
    return TokenResponse(access_token=auth.issue_token(settings, user),
                         expires_in=settings.token_ttl_s)
