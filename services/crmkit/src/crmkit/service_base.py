"""What every nameko service of the suite has: its database, its outbox relay and a health
RPC. Services subclass it and set `name`."""
from __future__ import annotations

from nameko.rpc import rpc
from sqlalchemy import text

from crmkit.database import Database
from crmkit.relay import OutboxRelay


class CrmService:
    name: str

    db = Database()
    relay = OutboxRelay()

    @rpc
    def health(self) -> dict:
        with self.db.reading() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
