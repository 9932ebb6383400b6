"""Queues, their items and routing rules (API.md, Service desk)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.cases import Origin, Priority
from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText200

QueueKind = Literal["public", "private"]
ItemType = Literal["case", "activity"]


class QueueCreate(Input):
    name: RequiredText200
    kind: QueueKind = "public"
    description: str | None = Field(None, max_length=5000)
    member_ids: list[UUID] = Field([], description="Who sees and works a private queue")
    is_default: bool = Field(False, description="Takes the cases no routing rule takes")


class QueueUpdate(Patch, QueueCreate):
    REQUIRED = ("name", "kind", "member_ids", "is_default")

    name: RequiredText200 | None = None
    kind: QueueKind | None = None
    member_ids: list[UUID] | None = None
    is_default: bool | None = None


class Queue(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    kind: QueueKind
    description: str | None = None
    member_ids: list[UUID]
    is_default: bool


class QueueListQuery(ListQuery):
    kind: QueueKind | None = None
    is_default: bool | None = None
    owner_id: UUID | None = None


class QueueItemCreate(Input):
    item_type: ItemType
    item_id: UUID
    title: str | None = Field(None, max_length=300, description="Defaults to the case's title")


class QueueItem(Record):
    model_config = ConfigDict(extra="ignore")

    queue_id: UUID
    item_type: ItemType
    item_id: UUID
    title: str | None = None
    status: Literal["active", "closed"]
    worker_id: UUID | None = Field(None, description="Who holds (picked) the item")
    picked_at: AwareDatetime | None = None
    entered_queue_at: AwareDatetime


class QueueItemListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None
    sort: str | None = Field(None, pattern=r"^-?[a-z_]+$")
    status: Literal["active", "closed"] | None = None
    item_type: ItemType | None = None
    worker_id: UUID | None = None

    def filters(self) -> dict:
        return self.model_dump(mode="json", exclude_none=True, exclude={"limit", "cursor", "sort"})


class QueueItemPage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None = None


class Conditions(Input):
    """Each condition given lists the values it accepts; all given must accept the case."""

    priority: list[Priority] | None = Field(None, min_length=1)
    origin: list[Origin] | None = Field(None, min_length=1)
    product_id: list[UUID] | None = Field(None, min_length=1)
    customer_account_id: list[UUID] | None = Field(None, min_length=1)
    customer_contact_id: list[UUID] | None = Field(None, min_length=1)
    customer_type: list[Literal["account", "contact"]] | None = Field(None, min_length=1)


class RoutingRuleCreate(Input):
    name: RequiredText200
    position: int = Field(ge=0, le=1_000_000, description="Rules are tried in ascending position")
    conditions: Conditions = Conditions()
    queue_id: UUID
    enabled: bool = True


class RoutingRuleUpdate(Patch, RoutingRuleCreate):
    REQUIRED = ("name", "position", "conditions", "queue_id", "enabled")

    name: RequiredText200 | None = None
    position: int | None = Field(None, ge=0, le=1_000_000)
    conditions: Conditions | None = None
    queue_id: UUID | None = None
    enabled: bool | None = None


class RoutingRule(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    position: int
    conditions: dict[str, list[str]]
    queue_id: UUID
    enabled: bool


class RoutingRuleListQuery(ListQuery):
    queue_id: UUID | None = None
    enabled: bool | None = None
