"""The customer 360 view (API.md "Cross-cutting")."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Customer360(BaseModel):
    account: dict[str, Any] | None = Field(description="The sales account; null if sales did not answer")
    contacts: list[dict[str, Any]]
    opportunities: dict[str, Any] = Field(description="open, won_count, won_revenue (per currency), lost_count")
    quotes: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    invoices: dict[str, Any] = Field(description="open, paid_total (per currency), overdue")
    cases: dict[str, Any] = Field(description="open, open_count, resolved_count, time_spent_minutes")
    contracts: list[dict[str, Any]] = Field(description="with remaining_allotment")
    activities: dict[str, Any] = Field(description="counts_by_type, counts_by_status, time_spent_minutes, recent")
    campaigns: list[dict[str, Any]]
    bookings: list[dict[str, Any]] = Field(description="upcoming bookings")
    unavailable: list[str] = Field(description="sections whose service did not answer in time; they are empty")
