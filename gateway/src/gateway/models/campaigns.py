"""Campaigns, their expenses, planned activities, distribution and metrics (API.md, Marketing)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import (Currency, Money, NonNegativeMoney, RequiredText200, plain_decimal,
                                   reject_float)
from gateway.models.marketing_lists import PageQuery, Text2000

CampaignType = Literal["email", "event", "advertisement", "direct_mail", "other"]
Channel = Literal["email", "phone_call", "letter", "fax", "appointment", "other"]
# A percentage as an exact decimal string ("2.50"), like money.
Percent = Annotated[Decimal, BeforeValidator(reject_float),
                    PlainSerializer(plain_decimal, return_type=str, when_used="json"),
                    Field(description='Percent as a decimal string, e.g. "2.50"', examples=["2.50"])]


class CampaignCreate(Input):
    name: RequiredText200
    description: Text2000 | None = None
    type: CampaignType | None = None
    budget: NonNegativeMoney | None = None
    currency: Currency | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    expected_response_rate: Annotated[Percent, Field(ge=0, le=100, decimal_places=2)] | None = None
    list_ids: list[UUID] | None = Field(None, max_length=1000)


class CampaignUpdate(Patch, CampaignCreate):
    REQUIRED = ("name",)

    name: RequiredText200 | None = None


class Campaign(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    description: str | None = None
    type: str
    status: Literal["planned", "active", "completed", "cancelled"]
    budget: Money | None = None
    currency: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    expected_response_rate: Percent | None = None
    list_ids: list[UUID]


class CampaignListQuery(ListQuery):
    status: Literal["planned", "active", "completed", "cancelled"] | None = None
    type: CampaignType | None = None
    owner_id: UUID | None = None
    currency: str | None = None
    name: str | None = None


class ExpenseCreate(Input):
    amount: NonNegativeMoney
    description: Annotated[str, Field(max_length=500)] | None = None
    incurred_on: dt.date | None = Field(None, description="Defaults to today")


class Expense(Record):
    model_config = ConfigDict(extra="ignore")

    campaign_id: UUID
    amount: Money
    currency: str
    description: str | None = None
    incurred_on: dt.date


class CampaignActivityCreate(Input):
    channel: Channel
    subject: RequiredText200
    description: Text2000 | None = None
    scheduled_start: AwareDatetime | None = None
    owner_id: UUID | None = Field(None, description="Defaults to the caller")


class CampaignActivity(Record):
    model_config = ConfigDict(extra="ignore")

    campaign_id: UUID
    channel: str
    subject: str
    description: str | None = None
    scheduled_start: AwareDatetime | None = None
    status: Literal["planned", "distributed"]
    distributed_count: int
    distributed_at: AwareDatetime | None = None


class SortedPageQuery(PageQuery):
    sort: str | None = Field(None, pattern=r"^-?[a-z_]+$",
                             description="`field` ascending or `-field` descending")


class ActivityListQuery(SortedPageQuery):
    status: Literal["planned", "distributed"] | None = None


class DistributeRequest(Input):
    owner_ids: list[UUID] | None = Field(None, max_length=1000,
                                         description="Assigned round-robin; default: the campaign owner")


class Distribution(CampaignActivity):
    distributed: int = Field(description="Activities created by this call (0 when every member "
                                         "was reached before)")


class CampaignMetrics(BaseModel):
    members_targeted: int
    activities_distributed: int
    responses: int
    response_rate: Percent | None = None
    expected_response_rate: Percent | None = None
    leads_generated: int
    opportunities_generated: int
    opportunities_won: int
    revenue_won: Money
    revenue_won_in_other_currencies: dict[str, Money]
    total_cost: Money
    budget: Money | None = None
    currency: str | None = None
    roi: Annotated[Decimal, PlainSerializer(plain_decimal, return_type=str, when_used="json")] | None = Field(
        None, description="(revenue_won - total_cost) / total_cost; null when nothing was spent")

