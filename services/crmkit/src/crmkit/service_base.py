"""What every nameko service of the suite has: its database, its outbox relay, metrics, and a
health RPC. Services subclass it and set `name`."""
from __future__ import annotations

from nameko.rpc import rpc
from sqlalchemy import text

from crmkit.database import Database
from crmkit.metrics import Metrics
from crmkit.relay import OutboxRelay


class CrmService:
    name: str

    db = Database()
    relay = OutboxRelay()
    metrics = Metrics()

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
