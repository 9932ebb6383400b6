"""A request id per HTTP request, echoed in `X-Request-ID` and carried into RPC headers so
one id follows a request through the gateway's and the services' logs, and into the events
it causes (as their correlation_id). Generated ids are UUIDs, the form envelopes carry, so
the same string appears everywhere."""
from __future__ import annotations

import contextvars
import re
import uuid

from crmkit import logs, tracing
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
# A client-supplied id is reused only if it is short and harmless in logs and headers.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# The log formatter of crmkit.logs reads the same variable: every log line of a request names it.
current: contextvars.ContextVar[str | None] = logs.correlation_id


# The authenticated user of the current request (set by gateway.auth.current_user), carried to
# the services with each RPC.
actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("actor", default=None)


def request_id() -> str:
    """The current request's id, or a fresh one outside a request (e.g. /ready probes)."""
    return current.get() or str(uuid.uuid4())


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        supplied = headers.get(HEADER.lower().encode(), b"").decode("latin-1")
        rid = supplied if _ACCEPTABLE.match(supplied) else str(uuid.uuid4())
        token = current.set(rid)
        # The request's span (a no-op unless CRM_OTEL_EXPORTER is set), child of the client's
        # trace when it sent a traceparent; RPCs made meanwhile carry it on (gateway.rpc).
        span, span_token = tracing.start(
            f"{scope['method']} {scope['path']}", headers.get(b"traceparent", b"").decode("latin-1") or None,
            **{"http.request.method": scope["method"], "url.path": scope["path"], "crm.request_id": rid})

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
                span.set_attribute("http.response.status_code", message["status"])
            await send(message)

        error = None
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException as exc:
            error = exc
            raise
        finally:
            tracing.finish(span, span_token, error)
            current.reset(token)
