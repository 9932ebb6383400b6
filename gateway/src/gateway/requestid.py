"""A request id per HTTP request, echoed in `X-Request-ID` and carried into RPC headers so
one id follows a request through the gateway's and the services' logs."""
from __future__ import annotations

import contextvars
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
# A client-supplied id is reused only if it is short and harmless in logs and headers.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def request_id() -> str:
    """The current request's id, or a fresh one outside a request (e.g. /ready probes)."""
    return current.get() or uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope["headers"]).get(HEADER.lower().encode(), b"").decode("latin-1")
        rid = supplied if _ACCEPTABLE.match(supplied) else uuid.uuid4().hex
        token = current.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current.reset(token)
