"""Prometheus metrics: HTTP requests by route template, RPC calls by service.method.

Metric objects live at module level because prometheus_client registers them once per
process; building apps repeatedly (tests) must not register them twice.
"""
from __future__ import annotations

import time
from typing import Sequence

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "crm_gateway_http_requests_total", "HTTP requests answered by the gateway.",
    ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "crm_gateway_http_request_duration_seconds", "Time to answer an HTTP request.",
    ["method", "route", "status"])
RPC_CALLS = Counter(
    "crm_gateway_rpc_calls_total", "RPC calls made to the services, by outcome "
    "(ok, timeout, unavailable, or the remote exception type).", ["rpc", "outcome"])
RPC_LATENCY = Histogram(
    "crm_gateway_rpc_call_duration_seconds", "Time from publishing an RPC request to its "
    "reply (or failure).", ["rpc", "outcome"])

# Requests that match no route are counted under one label so that scanners probing random
# paths cannot create unbounded label values.
UNMATCHED_ROUTE = "<unmatched>"


def observe_rpc(rpc: str, outcome: str, seconds: float) -> None:
    RPC_CALLS.labels(rpc, outcome).inc()
    RPC_LATENCY.labels(rpc, outcome).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The current metrics in Prometheus text format, with its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


def route_template(scope: Scope, routes: Sequence[BaseRoute] = ()) -> str:
    route = scope.get("route")
    if route is None:
        # Answered before routing (an idempotent replay, a middleware's problem): find the
        # route the request was meant for.
        route = next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)
    return getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # stays 500 if the app raises before starting a response

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            labels = (scope["method"], route_template(scope, self.routes), str(status))
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - started)
