"""Leads (API.md, Sales)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import (Currency, Email, Money, NonNegativeMoney, RequiredText100, RequiredText200,
                                   Text50, Text100, Text200)

LeadSource = Literal["web", "referral", "campaign", "partner", "other"]
LeadStatus = Literal["new", "contacted", "qualified", "disqualified"]
AllowDuplicate = Field(False, description="Create it even if its email or phone matches an existing record "
                                          "(otherwise 409 naming the matching ids)")


class LeadCreate(Input):
    topic: RequiredText200
    first_name: Text100 | None = None
    last_name: RequiredText100
    company_name: Text200 | None = None
    job_title: Text100 | None = None
    email: Email | None = None
    phone: Text50 | None = None
    source: LeadSource | None = None
    campaign_id: UUID | None = None
    estimated_value: NonNegativeMoney | None = None
    currency: Currency | None = None
    description: str | None = Field(None, max_length=10000)
    allow_duplicate: bool = AllowDuplicate


class LeadUpdate(Patch, LeadCreate):
    """The create fields, all optional; only a new or contacted lead changes (409 otherwise)."""

    REQUIRED = ("topic", "last_name", "source")

    topic: RequiredText200 | None = None
    last_name: RequiredText100 | None = None
    allow_duplicate: None = Field(None, exclude=True, description="Not used on updates")


class Lead(Record):
    model_config = ConfigDict(extra="ignore")

    topic: str
    first_name: str | None = None
    last_name: str
    company_name: str | None = None
    job_title: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str
    campaign_id: UUID | None = None
    campaign_response_id: UUID | None = Field(None, description="The marketing campaign response it came from")
    estimated_value: Money | None = None
    currency: str | None = None
    description: str | None = None
    status: LeadStatus
    status_reason: str | None = Field(None, description="Why it was disqualified")
    account_id: UUID | None = None
    contact_id: UUID | None = None
    opportunity_id: UUID | None = None
    qualified_at: AwareDatetime | None = None


class LeadListQuery(ListQuery):
    status: LeadStatus | None = None
    source: LeadSource | None = None
    campaign_id: UUID | None = None
    owner_id: UUID | None = None
    email: str | None = None
    company_name: str | None = None
    account_id: UUID | None = None
    contact_id: UUID | None = None


class QualifyRequest(Input):
    create_account: bool = Field(True, description="Create an account from company_name unless one is given")
    create_contact: bool = Field(True, description="Create a contact from the lead unless one is given")
    create_opportunity: bool = True
    existing_account_id: UUID | None = None
    existing_contact_id: UUID | None = None
    opportunity_name: Text200 | None = Field(None, description="Defaults to the lead's topic")
    allow_duplicate: bool = Field(False, description="Create the account/contact even if it matches an existing one")


class Qualification(BaseModel):
    lead: Lead
    account_id: UUID | None = None
    contact_id: UUID | None = None
    opportunity_id: UUID | None = None


class DisqualifyRequest(Input):
    reason: RequiredText200 = Field(description="Why the lead is disqualified")

