"""Opportunities (API.md, Sales)."""
from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import Currency, Money, NonNegativeMoney, RequiredText200, Text200

Stage = Literal["qualify", "develop", "propose", "close"]
OpportunityStatus = Literal["open", "won", "lost"]


class OpportunityCreate(Input):
    name: RequiredText200
    account_id: UUID
    contact_id: UUID | None = None
    estimated_value: NonNegativeMoney | None = None
    currency: Currency | None = None
    estimated_close_date: dt.date | None = None
    probability: int | None = Field(None, ge=0, le=100)
    stage: Stage | None = None
    price_list_id: UUID | None = None
    originating_lead_id: UUID | None = None
    campaign_id: UUID | None = None
    description: str | None = Field(None, max_length=10000)


class OpportunityUpdate(Patch, OpportunityCreate):
    """The create fields, all optional; only an open opportunity changes (409 otherwise)."""

    REQUIRED = ("name", "account_id", "stage")

    name: RequiredText200 | None = None
    account_id: UUID | None = None


class Opportunity(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    account_id: UUID
    contact_id: UUID | None = None
    estimated_value: Money | None = None
    currency: str | None = None
    estimated_close_date: dt.date | None = None
    probability: int | None = None
    stage: str
    price_list_id: UUID | None = None
    originating_lead_id: UUID | None = None
    campaign_id: UUID | None = None
    description: str | None = None
    status: OpportunityStatus
    actual_revenue: Money | None = None
    actual_close_date: dt.date | None = None
    close_reason: str | None = None
    competitor_id: UUID | None = None


class OpportunityListQuery(ListQuery):
    status: OpportunityStatus | None = None
    stage: Stage | None = None
    account_id: UUID | None = None
    contact_id: UUID | None = None
    campaign_id: UUID | None = None
    owner_id: UUID | None = None
    originating_lead_id: UUID | None = None
    currency: str | None = None


class WinRequest(Input):
    actual_revenue: NonNegativeMoney | None = Field(None, description="Defaults to the estimated value")
    close_date: dt.date | None = Field(None, description="Defaults to today")
    reason: Text200 | None = None


class LoseRequest(Input):
    reason: Text200 | None = None
    competitor_id: UUID | None = Field(None, description="The competitor that won; linked to the opportunity")
    close_date: dt.date | None = None


class CompetitorLink(Input):
    competitor_id: UUID
