"""Orders (API.md, Sales): made by accepting a quote; fulfil, cancel, invoice."""
from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Record
from gateway.models.fields import Money
from gateway.models.quotes import PricedLine

OrderStatus = Literal["active", "fulfilled", "invoiced", "cancelled"]


class OrderLine(PricedLine):
    """A snapshot of the accepted quote's line."""


class Order(Record):
    model_config = ConfigDict(extra="ignore")

    quote_id: UUID | None = None
    account_id: UUID
    opportunity_id: UUID | None = None
    name: str
    currency: str
    lines: list[OrderLine]
    subtotal: Money
    discount_total: Money
    total: Money
    status: OrderStatus
    fulfilled_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None


class OrderListQuery(ListQuery):
    status: OrderStatus | None = None
    account_id: UUID | None = None
    quote_id: UUID | None = None
    opportunity_id: UUID | None = None
    owner_id: UUID | None = None


class InvoiceRequest(Input):
    due_date: dt.date | None = Field(None, description="Defaults to 30 days from today")


class Invoicing(BaseModel):
    order: Order
    invoice_id: UUID
