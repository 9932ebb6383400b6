"""Campaign responses and their conversion into sales leads (API.md, Marketing)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.campaigns import SortedPageQuery
from gateway.models.common import Input, Record
from gateway.models.fields import Email, Text50, Text100, Text200
from gateway.models.marketing_lists import Text2000

ResponseChannel = Literal["email", "phone_call", "letter", "fax", "appointment", "web", "other"]
ResponseStatus = Literal["open", "converted", "closed"]


class CampaignResponseCreate(Input):
    channel: ResponseChannel
    subject: Text200 | None = None
    description: Text2000 | None = None
    contact_id: UUID | None = None
    lead_id: UUID | None = None
    account_id: UUID | None = None
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    company_name: Text200 | None = None
    email: Email | None = None
    phone: Text50 | None = None
    received_at: AwareDatetime | None = Field(None, description="Defaults to now")


class CampaignResponse(Record):
    model_config = ConfigDict(extra="ignore")

    campaign_id: UUID
    channel: str
    subject: str | None = None
    description: str | None = None
    contact_id: UUID | None = None
    lead_id: UUID | None = None
    account_id: UUID | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    received_at: AwareDatetime
    status: ResponseStatus
    converted_at: AwareDatetime | None = None
    converted_lead_id: UUID | None = Field(None, description="The lead sales created, once it exists")


class ResponseListQuery(SortedPageQuery):
    status: ResponseStatus | None = None
    channel: ResponseChannel | None = None


class Conversion(BaseModel):
    response: CampaignResponse
    lead_id: UUID | None = Field(description="null (with status 202) while sales is still creating the lead")
