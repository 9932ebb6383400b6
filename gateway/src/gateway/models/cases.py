"""Cases and SLA policies (API.md, Service desk)."""
from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText200

Priority = Literal["low", "normal", "high", "urgent"]
Origin = Literal["phone", "email", "web", "other"]
Stage = Literal["identify", "research", "resolve"]
CaseStatus = Literal["active", "resolved", "cancelled"]
StatusReason = Literal["in_progress", "waiting_on_customer"]
Standing = Literal["met", "on_track", "at_risk", "missed", "paused"]
CaseTitle = Field(min_length=1, max_length=300)


class CaseCreate(Input):
    title: str = CaseTitle
    description: str | None = Field(None, max_length=20_000)
    customer_account_id: UUID | None = Field(None, description="The customer: an account or a contact")
    customer_contact_id: UUID | None = None
    product_id: UUID | None = None
    contract_id: UUID | None = Field(None, description="An active contract of the customer")
    priority: Priority = "normal"
    origin: Origin = "other"
    stage: Stage = "identify"


class CaseUpdate(Patch, CaseCreate):
    """Changes of an active case; `owner_id` reassigns it."""

    REQUIRED = ("title", "priority", "origin", "stage")

    title: str | None = Field(None, min_length=1, max_length=300)
    priority: Priority | None = None
    origin: Origin | None = None
    stage: Stage | None = None
    owner_id: UUID | None = None


class SlaStanding(BaseModel):
    first_response: Standing
    resolve: Standing


class Case(Record):
    model_config = ConfigDict(extra="ignore")

    title: str
    description: str | None = None
    customer_account_id: UUID | None = None
    customer_contact_id: UUID | None = None
    customer_name: str | None = Field(None, description="As sales last told the service desk")
    product_id: UUID | None = None
    contract_id: UUID | None = None
    priority: Priority
    origin: Origin
    stage: Stage
    status: CaseStatus
    status_reason: StatusReason
    resolution: str | None = None
    billable_minutes: int | None = None
    time_spent_minutes: int = Field(description="Completed activities regarding the case plus billable minutes")
    activity_minutes: int = 0
    first_responded_at: AwareDatetime | None = None
    first_response_by: AwareDatetime | None = Field(None, description="Empty while waiting on the customer")
    resolve_by: AwareDatetime | None = None
    sla_policy_id: UUID | None = None
    sla: SlaStanding | None = Field(None, description="Where the case stands against each deadline")
    queue_id: UUID | None = None
    resolved_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None


class CaseListQuery(ListQuery):
    customer_account_id: UUID | None = None
    customer_contact_id: UUID | None = None
    product_id: UUID | None = None
    contract_id: UUID | None = None
    priority: Priority | None = None
    origin: Origin | None = None
    stage: Stage | None = None
    status: CaseStatus | None = None
    status_reason: StatusReason | None = None
    owner_id: UUID | None = None
    queue_id: UUID | None = None


class NoFields(Input):
    """Actions that need nothing but the record: send no body or `{}`."""


class ResolveCase(Input):
    resolution: str = Field(min_length=1, max_length=5000)
    billable_minutes: int | None = Field(None, ge=0, le=10_000_000)


class LinkArticle(Input):
    article_id: UUID


class CaseArticle(BaseModel):
    article_id: UUID
    title: str
    linked_at: AwareDatetime
    linked_by: UUID | None = None


class CaseArticles(BaseModel):
    items: list[CaseArticle]
    next_cursor: str | None = None


# --- SLA policies -----------------------------------------------------------------------

Weekday = Field(ge=0, le=6)


class SlaPolicyCreate(Input):
    name: RequiredText200
    priority: Priority
    first_response_minutes: int = Field(ge=1, le=1_000_000, description="Business minutes")
    resolve_minutes: int = Field(ge=1, le=1_000_000, description="Business minutes")
    time_zone: str = Field("UTC", max_length=64, description="IANA zone of the working hours")
    working_days: list[int] = Field([0, 1, 2, 3, 4], description="0 = Monday ... 6 = Sunday")
    day_start: dt.time = dt.time(9, 0)
    day_end: dt.time = Field(dt.time(17, 0), description="00:00 means midnight (round the clock)")
    holidays: list[dt.date] = []
    warn_percent: int = Field(75, ge=1, le=100, description="At risk once this share of the time is used")


class SlaPolicyUpdate(Patch, SlaPolicyCreate):
    REQUIRED = ("name", "priority", "first_response_minutes", "resolve_minutes", "time_zone",
                "working_days", "day_start", "day_end", "holidays", "warn_percent")

    name: RequiredText200 | None = None
    priority: Priority | None = None
    first_response_minutes: int | None = Field(None, ge=1, le=1_000_000)
    resolve_minutes: int | None = Field(None, ge=1, le=1_000_000)
    time_zone: str | None = Field(None, max_length=64)
    working_days: list[int] | None = None
    day_start: dt.time | None = None
    day_end: dt.time | None = None
    holidays: list[dt.date] | None = None
    warn_percent: int | None = Field(None, ge=1, le=100)


class SlaPolicy(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    priority: Priority
    first_response_minutes: int
    resolve_minutes: int
    time_zone: str
    working_days: list[int]
    day_start: str = Field(examples=["09:00"])
    day_end: str = Field(examples=["17:00"])
    holidays: list[dt.date]
    warn_percent: int


class SlaPolicyListQuery(ListQuery):
    priority: Priority | None = None
