"""Invoices (API.md, Sales): made by invoicing an order; pay, cancel."""
from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Record
from gateway.models.fields import Money
from gateway.models.orders import OrderLine

InvoiceStatus = Literal["active", "paid", "cancelled"]


class Invoice(Record):
    model_config = ConfigDict(extra="ignore")

    invoice_number: str = Field(description="Sequential, without gaps: INV-000001, INV-000002, ...")
    order_id: UUID
    account_id: UUID
    currency: str
    lines: list[OrderLine]
    subtotal: Money
    discount_total: Money
    total: Money
    due_date: dt.date
    status: InvoiceStatus
    paid_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None


class InvoiceListQuery(ListQuery):
    status: InvoiceStatus | None = None
    account_id: UUID | None = None
    order_id: UUID | None = None
    invoice_number: str | None = None
    owner_id: UUID | None = None


class PayRequest(Input):
    paid_at: AwareDatetime | None = Field(None, description="Defaults to now")
