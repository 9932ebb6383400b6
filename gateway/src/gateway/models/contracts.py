"""Contracts with allotments (API.md, Service desk)."""
from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText200

AllotmentType = Literal["hours", "cases", "none"]
ContractStatus = Literal["draft", "active", "expired", "cancelled"]
ALLOTMENT = ("Hours are counted in minutes (600 = 10 hours); cases in cases. "
             "Empty when allotment_type is none.")


class ContractCreate(Input):
    name: RequiredText200
    customer_account_id: UUID
    description: str | None = Field(None, max_length=20_000)
    start_date: dt.date
    end_date: dt.date
    allotment_type: AllotmentType = "none"
    total_allotment: int | None = Field(None, ge=1, le=10_000_000, description=ALLOTMENT)


class ContractUpdate(Patch, ContractCreate):
    """Only a draft's terms change; name and description change in any state."""

    REQUIRED = ("name", "customer_account_id", "start_date", "end_date", "allotment_type")

    name: RequiredText200 | None = None
    customer_account_id: UUID | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    allotment_type: AllotmentType | None = None


class Contract(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    customer_account_id: UUID
    description: str | None = None
    start_date: dt.date
    end_date: dt.date
    allotment_type: AllotmentType
    total_allotment: int | None = Field(None, description=ALLOTMENT)
    remaining_allotment: int | None = Field(None, description="What is left; negative when overrun. " + ALLOTMENT)
    status: ContractStatus
    activated_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    expired_at: AwareDatetime | None = None
    exhausted_at: AwareDatetime | None = None


class ContractListQuery(ListQuery):
    customer_account_id: UUID | None = None
    status: ContractStatus | None = None
    allotment_type: AllotmentType | None = None
    owner_id: UUID | None = None
