"""Quotes and their lines (API.md, Sales)."""
from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import Money, NonNegativeMoney, RequiredText200, Text200
from gateway.models.price_lists import PositiveDecimal

QuoteStatus = Literal["draft", "active", "won", "closed"]


class QuoteCreate(Input):
    name: RequiredText200
    account_id: UUID
    contact_id: UUID | None = None
    opportunity_id: UUID | None = None
    price_list_id: UUID
    valid_until: dt.date | None = None
    description: str | None = Field(None, max_length=10000)


class QuoteUpdate(Patch, QuoteCreate):
    """Only a draft changes (409 otherwise)."""

    REQUIRED = ("name", "account_id", "price_list_id")

    name: RequiredText200 | None = None
    account_id: UUID | None = None
    price_list_id: UUID | None = None


class PricedLine(BaseModel):
    """A line as priced: what quotes show and orders and invoices keep."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    product_id: UUID
    product_name: str
    unit: str | None = None
    is_service: bool
    scheduling_service_id: UUID | None = None
    quantity: str = Field(description="Decimal string")
    unit_price: Money
    amount: Money = Field(description="unit_price x quantity, rounded to the currency's minor unit")
    tier_percent: str = Field(description="The quantity tier's discount percentage")
    tier_discount: Money
    manual_discount: Money
    net_amount: Money


class QuoteLine(PricedLine):
    position: int
    price_overridden: bool = Field(description="The unit price was given, not taken from the price list")


class Quote(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    account_id: UUID
    contact_id: UUID | None = None
    opportunity_id: UUID | None = None
    price_list_id: UUID
    currency: str
    valid_until: dt.date | None = None
    description: str | None = None
    status: QuoteStatus
    revision: int
    previous_revision_id: UUID | None = None
    lines: list[QuoteLine]
    subtotal: Money
    discount_total: Money
    total: Money
    close_reason: str | None = None
    activated_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None


class QuoteListQuery(ListQuery):
    status: QuoteStatus | None = None
    account_id: UUID | None = None
    contact_id: UUID | None = None
    opportunity_id: UUID | None = None
    price_list_id: UUID | None = None
    owner_id: UUID | None = None
    previous_revision_id: UUID | None = None


class QuoteLineCreate(Input):
    product_id: UUID
    quantity: PositiveDecimal
    unit_price: NonNegativeMoney | None = Field(None, description="From the price list unless given")
    manual_discount: NonNegativeMoney | None = Field(None, description="An amount off the line, after the tier")


class QuoteLineUpdate(Patch):
    REQUIRED = ("quantity",)

    quantity: PositiveDecimal | None = None
    unit_price: NonNegativeMoney | None = Field(None, description="null goes back to the price list's price")
    manual_discount: NonNegativeMoney | None = None


class CloseRequest(Input):
    reason: Text200 | None = None


class Acceptance(BaseModel):
    quote: Quote
    order_id: UUID
