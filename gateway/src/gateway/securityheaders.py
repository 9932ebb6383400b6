"""Security headers on every response: no MIME sniffing, no framing, no referrer leaking
record URLs to other sites, and a Content-Security-Policy that only lets this origin's own
scripts, styles and images run (the web UI uses no inline script or style).

FastAPI's interactive docs (/docs, /redoc) load their bundle from a CDN with an inline
bootstrap script, so those pages alone get a policy allowing that."""
from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# RFC 6749 5.1: responses carrying credentials must not be cached.
NO_STORE_PREFIX = "/api/v1/auth/"


def headers_for(scope: Scope) -> dict[str, str]:
    path: str = scope.get("path", "")
    headers = dict(COMMON, **{"Content-Security-Policy": DOCS_CSP if path.startswith(DOCS_PATHS) else CSP})
    if scope.get("scheme") == "https":
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = _adding_headers(scope, send)
        await self.app(scope, receive, send)


def _adding_headers(scope: Scope, send: Send) -> Send:
    extra = headers_for(scope)
    no_store = scope.get("path", "").startswith(NO_STORE_PREFIX)

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in extra.items():
                headers.setdefault(name, value)  # a route's own choice wins
            if no_store:
                headers["Cache-Control"] = "no-store"
        await send(message)

    return send_with_headers
