"""Who is using the pages: the API's bearer token kept in an HttpOnly, SameSite cookie, and
CSRF protection for every form post (a signed double-submit token).

The CSRF token is an HMAC, keyed with the gateway's JWT secret, of a random per-browser
nonce kept in its own HttpOnly, SameSite=Strict cookie: a page on another site can neither
read the nonce nor forge the token, and a cookie planted by a sibling domain is useless
without the key."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from gateway import auth, deps, users

SESSION_COOKIE = "crm_session"
NONCE_COOKIE = "crm_csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Viewer:
    user: users.User
    token: str

    @property
    def user_id(self) -> str:
        return str(self.user.id)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def viewer(request: Request) -> Viewer | None:
    """The signed-in user of this request, or None (no cookie, expired token, deactivated)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    # As for API calls: a token issued before the user's last password change is refused.
    user = await auth.user_from_token(deps.settings_of(request), deps.engine_of(request), token)
    return Viewer(user, token) if user is not None else None


def sign_in(request: Request, response: Response, token: str, ttl_s: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=ttl_s, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def nonce(request: Request) -> str:
    """This browser's CSRF nonce; a new one (set on the response by `keep_nonce`) if none."""
    current = request.cookies.get(NONCE_COOKIE) or getattr(request.state, "csrf_nonce", None)
    if not current:
        current = secrets.token_urlsafe(24)
        request.state.csrf_nonce = current
    return current


def keep_nonce(request: Request, response: Response) -> None:
    fresh = getattr(request.state, "csrf_nonce", None)
    if fresh and request.cookies.get(NONCE_COOKIE) != fresh:
        response.set_cookie(NONCE_COOKIE, fresh, httponly=True, samesite="strict", secure=_secure(request),
                            path="/")


def csrf_token(request: Request) -> str:
    key = deps.settings_of(request).jwt_secret.encode()
    return hmac.new(key, b"crm-ui-csrf:" + nonce(request).encode(), hashlib.sha256).hexdigest()


def csrf_ok(request: Request, submitted: str | None) -> bool:
    if not submitted or not request.cookies.get(NONCE_COOKIE):
        return False
    return hmac.compare_digest(submitted, csrf_token(request))
