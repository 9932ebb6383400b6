"""Liveness, readiness and metrics: unauthenticated, for orchestrators and scrapers."""
from __future__ import annotations

import asyncio
import time
from typing import Annotated

from crmkit.config import SERVICES
from fastapi import APIRouter, Depends, Response

from gateway import deps, metrics
from gateway.config import Settings
from gateway.models.health import Health, Readiness, ServiceCheck
from gateway.rpc import RemoteError, RpcClient, ServiceUnavailable

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health, operation_id="health",
            summary="The process is alive (checks nothing else)")
async def health() -> Health:
    return Health()


async def _check(rpc: RpcClient, service: str, timeout_s: float) -> ServiceCheck:
    started = time.perf_counter()
    error = None
    try:
        await rpc.call(service, "health", timeout_s=timeout_s)
    except ServiceUnavailable as exc:
        error = exc.reason
    except RemoteError as exc:
        error = f"health check raised {exc.exc_type}"
    return ServiceCheck(ok=error is None, error=error,
                        latency_ms=round((time.perf_counter() - started) * 1000, 1))


@router.get("/ready", response_model=Readiness, operation_id="ready",
            summary="Every service answers its health RPC",
            responses={503: {"model": Readiness, "description": "Some service did not answer"}})
async def ready(response: Response, rpc: Annotated[RpcClient, Depends(deps.rpc)],
                settings: Annotated[Settings, Depends(deps.settings)]) -> Readiness:
    checks = await asyncio.gather(*(_check(rpc, s, settings.ready_timeout_s) for s in SERVICES))
    services = dict(zip(SERVICES, checks))
    all_ok = all(check.ok for check in checks)
    response.status_code = 200 if all_ok else 503
    return Readiness(status="ready" if all_ok else "not_ready", services=services)


@router.get("/metrics", operation_id="metrics", summary="Prometheus metrics",
            response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition format"}})
async def prometheus_metrics() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
