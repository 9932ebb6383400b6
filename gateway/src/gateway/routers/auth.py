"""POST /api/v1/auth/token: username and password for a bearer token.
POST /api/v1/auth/password: change one's own password, revoking every older token."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import auth, deps, loginguard, users
from gateway.config import Settings
from gateway.models.auth import PasswordChange, TokenRequest, TokenResponse
from gateway.openapi import errors
from gateway.problems import Problem

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenResponse, operation_id="issue_token",
             summary="Exchange a username and password for a bearer token",
             description="Repeated failures lock the username, and the client address, out for a "
                         "while: 429 with Retry-After.",
             responses=errors(401, 422, 429))
async def issue_token(credentials: TokenRequest, request: Request,
                      settings: Annotated[Settings, Depends(deps.settings)],
                      engine: Annotated[AsyncEngine, Depends(deps.engine)]) -> TokenResponse:
    loginguard.check(request, credentials.username)
    user = await users.authenticate(engine, credentials.username, credentials.password)
    if user is None:
        loginguard.guard(request).failed(credentials.username, loginguard.client_address(request))
        raise auth.unauthorized("Unknown username or wrong password.")
    loginguard.guard(request).succeeded(credentials.username)
    return TokenResponse(access_token=auth.issue_token(settings, user),
                         expires_in=settings.token_ttl_s)


@router.post("/password", response_model=TokenResponse, operation_id="change_password",
             summary="Change the caller's password",
             description="Every token issued before the change stops working; the answer is a "
                         "new token. A wrong current password is 403 and counts as a failed "
                         "sign-in (429 once locked out).",
             responses=errors(401, 403, 422, 429))
async def change_password(change: PasswordChange, request: Request, user: auth.CurrentUser,
                          settings: Annotated[Settings, Depends(deps.settings)],
                          engine: Annotated[AsyncEngine, Depends(deps.engine)]) -> TokenResponse:
    loginguard.check(request, user.username)
    if await users.authenticate(engine, user.username, change.current_password) is None:
        loginguard.guard(request).failed(user.username, loginguard.client_address(request))
        raise Problem(403, "The current password is wrong.",
                      [{"field": "current_password", "message": "is wrong"}])
    if change.new_password == change.current_password:
        raise Problem(422, "The request is not valid.",
                      [{"field": "new_password", "message": "must differ from the current password"}])
    try:
        changed = await users.change_password(engine, user, change.new_password)
    except users.StaleCredentials:
        raise auth.unauthorized("The token is invalid or has expired.", invalid_token=True) from None
    return TokenResponse(access_token=auth.issue_token(settings, changed),
                         expires_in=settings.token_ttl_s)
