"""Quick campaigns: one list, one activity type, distributed at once (API.md, Marketing)."""
from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from gateway.models.campaigns import Campaign, Channel, Distribution
from gateway.models.common import Input
from gateway.models.fields import RequiredText200, Text200


class QuickCampaignCreate(Input):
    list_id: UUID
    channel: Channel
    subject: RequiredText200
    name: Text200 | None = Field(None, description='Defaults to "Quick campaign: <subject>"')
    scheduled_start: AwareDatetime | None = None
    owner_ids: list[UUID] | None = Field(None, max_length=1000,
                                         description="Assigned round-robin; default: the caller")


class QuickCampaign(BaseModel):
    campaign: Campaign
    activity: Distribution
    distributed: int
