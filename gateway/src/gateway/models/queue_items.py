"""Actions on queue items and their history (API.md, Service desk)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from gateway.models.common import Input


class PickItem(Input):
    worker_id: UUID | None = None  # picks on someone's behalf; the caller by default


class RouteItem(Input):
    queue_id: UUID


class HistoryEntry(BaseModel):
    id: int
    action: Literal["added", "picked", "released", "routed", "closed", "reopened"]
    queue_id: UUID
    from_queue_id: UUID | None = None
    worker_id: UUID | None = None
    actor_id: UUID | None = None
    note: str | None = None
    at: AwareDatetime


class History(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = None
