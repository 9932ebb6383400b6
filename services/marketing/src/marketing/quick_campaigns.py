"""Quick campaigns: one list, one activity, distributed at once, in one transaction (either
the campaign exists with its activity distributed, or nothing happened)."""
from __future__ import annotations

from crmkit.errors import ValidationFailed
from crmkit.records import json_safe, load
from marketing.campaigns import campaign_event_payload
from marketing.db import CampaignActivityRepository, CampaignRepository, MarketingListRepository
from marketing.distribution import distribute_in, owners_for
from marketing.schemas import QuickCampaignInput

CAMPAIGN_TYPE_BY_CHANNEL = {"email": "email", "letter": "direct_mail", "fax": "direct_mail"}


def quick_campaign(db, data: dict, owner_id: str | None) -> dict:
    values = load(QuickCampaignInput(), data)
    with db.unit_of_work() as uow:
        if not MarketingListRepository(uow.connection).exists(values["list_id"]):
            raise ValidationFailed("Invalid quick campaign", [
                {"field": "list_id", "message": f"no marketing list with id {values['list_id']}"}])
        campaign = CampaignRepository(uow.connection).add({
            "name": values.get("name") or f"Quick campaign: {values['subject']}",
            "type": CAMPAIGN_TYPE_BY_CHANNEL.get(values["channel"], "other"),
            "status": "active", "list_ids": [values["list_id"]],
        }, owner_id)
        uow.add_event("CampaignCreated", json_safe(campaign_event_payload(campaign)))
        activity = CampaignActivityRepository(uow.connection).add({
            "campaign_id": campaign["id"], "channel": values["channel"], "subject": values["subject"],
            "scheduled_start": values.get("scheduled_start")}, owner_id)
        distributed = distribute_in(uow, campaign, activity, owners_for(campaign, values.get("owner_ids")))
        return {"campaign": json_safe(campaign), "activity": distributed,
                "distributed": distributed["distributed"]}
