"""What every nameko service of the suite has: its database, its outbox relay, metrics, and a
health RPC. Services subclass it and set `name`."""
from __future__ import annotations

import logging
import time

from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc, rpc
from sqlalchemy import text

from crmkit import audit, logs, rpc_replies, tracing
from crmkit.errors import EXPECTED, ValidationFailed
from crmkit.database import Database
from crmkit.metrics import Metrics
from crmkit.relay import OutboxRelay
from crmkit.resources import ResourceFlows

log = logging.getLogger("crmkit.rpc")


class CorrelationTracker(DependencyProvider):
    """Puts the caller's correlation id (nameko context data, sent by the gateway and passed on
    by nameko between services) in the log context of every RPC worker, and logs each RPC
    served. Event handlers set the id per event from its envelope (crmkit.consumer)."""

    def setup(self) -> None:
        self._started: dict = {}
        self.service = self.container.config.get("SERVICE_NAME", self.container.service_name)

    def worker_setup(self, worker_ctx) -> None:
        cid = worker_ctx.context_data.get("correlation_id")
        if cid:
            logs.correlation_id.set(str(cid))
        if isinstance(worker_ctx.entrypoint, Rpc):
            # The caller's trace (nameko context data) continues in this service.
            span = tracing.start(f"rpc {self.service}.{worker_ctx.entrypoint.method_name}",
                                 worker_ctx.context_data.get(tracing.TRACEPARENT))
            self._started[worker_ctx] = (time.perf_counter(), span)

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self._started.pop(worker_ctx, None)
        if started is not None:
            began, span = started
            outcome = "ok" if exc_info is None else type(exc_info[1]).__name__
            tracing.finish(*span, error=exc_info[1] if exc_info else None)
            log.info("rpc %s %s in %.1f ms", worker_ctx.entrypoint.method_name, outcome,
                     (time.perf_counter() - began) * 1000)


class CrmService:
    name: str
    # The records the gateway's security model gives owners: {resource path: crmkit Resource}.
    owned_resources: dict = {}

    db = Database()
    relay = OutboxRelay()
    metrics = Metrics()
    correlation = CorrelationTracker()

    @rpc(expected_exceptions=EXPECTED)
    def get_audit(self, table: str, record_id: str, limit: int = 50, cursor: str | None = None) -> dict:
        """The audit history of one record of this service (crmkit.audit), newest first."""
        with self.db.reading() as connection:
            return audit.history(connection, table, record_id, limit, cursor)

    @rpc(expected_exceptions=EXPECTED)
    def assign_owner(self, resource: str, record_id: str, owner_id: str,
                     expected_version: int | None = None) -> dict:
        """Give one record of `resource` (e.g. "accounts") to another user or team."""
        if resource not in self.owned_resources:
            raise ValidationFailed(f"{self.name} owns no {resource}", [
                {"field": "resource", "message": f"one of {', '.join(sorted(self.owned_resources))}"}])
        return ResourceFlows(self.db, self.owned_resources[resource]).assign(record_id, owner_id, expected_version)

    @rpc
    def health(self) -> dict:
        with self.db.reading() as connection:
            connection.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}


def register_errors_for_rpc_clients() -> None:
    """Let nameko RPC callers (other services, tests, the CLI) get NotFound, Conflict, ... back
    as the same exception classes, field errors included, instead of a bare RemoteError."""
    from nameko.exceptions import deserialize_to_instance

    from crmkit.errors import EXPECTED

    for error_cls in EXPECTED:
        deserialize_to_instance(error_cls)


register_errors_for_rpc_clients()
rpc_replies.use_for_rpc_replies()
