"""The FastAPI application: `create_app()` wires settings, database, RPC client, routes."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.exc import ProgrammingError

from gateway import db, idempotency, openapi, problems, users, webhooks_dispatcher
from gateway.access import setup as access_setup
from gateway.bodylimit import BodyLimitMiddleware
from gateway.config import Settings
from gateway.idempotency import IdempotencyMiddleware
from gateway.metrics import MetricsMiddleware
from gateway.nulchars import NulCharacterMiddleware
from gateway.requestid import RequestIdMiddleware
from gateway.routers import discover_routers
from gateway.securityheaders import SecurityHeadersMiddleware
from gateway.rpc import RpcClient
from gateway.webhooks_consumer import WebhookConsumer

log = logging.getLogger(__name__)

# Clients retry within minutes; a day covers slow batch retries too.
IDEMPOTENCY_RETENTION = timedelta(days=1)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway. Settings default to the environment (see gateway.config).
    Use as `uvicorn --factory gateway.app:create_app`."""
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = db.create_engine(settings.database_url)
        try:
            await users.ensure_admin(engine, settings.admin_username, settings.admin_password)
            await access_setup.ensure_default_roles(engine, settings.admin_username)
        except ProgrammingError as exc:
            await engine.dispose()
            raise RuntimeError("the gateway database is not migrated: run "
                               "`python -m gateway migrate` first") from exc
        rpc = RpcClient(settings.amqp_uri, settings.rpc_timeout_s)
        await rpc.start()
        purge = asyncio.create_task(idempotency.purge_periodically(engine, IDEMPOTENCY_RETENTION))
        app.state.engine, app.state.rpc = engine, rpc
        consumer, dispatch = None, None
        app.state.webhook_consumer = None
        if settings.webhooks_enabled:
            consumer = WebhookConsumer(settings.amqp_uri, engine)
            app.state.webhook_consumer = consumer
            await consumer.start()
            dispatch = asyncio.create_task(webhooks_dispatcher.run_forever(engine, settings))
        try:
            yield
        finally:
            purge.cancel()
            if consumer is not None:
                dispatch.cancel()
                await consumer.close()
            await rpc.close()
            await engine.dispose()

    app = FastAPI(
        title="CRM gateway", version="0.1.0", lifespan=lifespan,
        description="The public HTTP API of the CRM suite. Errors are application/problem+json.",
    )
    app.state.settings = settings
    problems.install(app, settings.retry_after_s)
    openapi.install(app)
    routers = discover_routers()
    for router in routers:
        app.include_router(router)
    # Last added runs first: metrics see every request, request ids cover idempotent replays.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(NulCharacterMiddleware)  # inside the body limit, which bounds its read
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       by_prefix={"/api/v1/imports/": settings.max_import_bytes})
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, routes=[r for router in routers for r in router.routes])
    # Outermost: every response, even one a middleware answers itself, gets the headers.
    app.add_middleware(SecurityHeadersMiddleware)
    return app
