"""Refuse request bodies over the configured size with a 413 problem.

FastAPI's own `max_body_size` answers in text/plain and overrides any handler whenever
Content-Length is too big, so the gateway keeps its own limit to stay problem+json."""
from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import Problem

DETAIL = "The request body is too large."


class BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI, reading a route's body, passes it on unchanged to
    the problem handlers instead of calling it a parse error."""

    def __init__(self) -> None:
        super().__init__(413, DETAIL)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, by_prefix: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.by_prefix = by_prefix or {}  # path prefix -> its own limit (e.g. file imports)

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.by_prefix.items() if path.startswith(prefix)),
                    self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            await Problem(413, DETAIL).response()(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            # Chunked bodies declare no length: count as they arrive.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            # Raised where no problem handler sits (another middleware reading the body).
            if started:
                raise
            await Problem(413, DETAIL).response()(scope, receive, send)
