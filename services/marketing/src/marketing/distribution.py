"""Distributing a campaign activity: one activity per member of the campaign's lists, created
by the activities service from CampaignActivityDistributed, owners assigned round-robin.

Members are deduplicated across lists (a UNION of the lists' member queries). Each recipient
is recorded in campaign_recipients in the same transaction as the events, so distributing
again reaches only members who joined the lists since, and creates nothing for the others.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import literal, select, text, union

from crmkit.errors import Conflict, ValidationFailed
from crmkit.records import json_safe, load
from marketing import members
from marketing.campaigns import get_campaign, get_child
from marketing.db import CampaignActivityRepository, campaign_recipients, marketing_lists
from marketing.domain.campaigns import require_active_campaign, round_robin
from marketing.schemas import DistributeInput

# Recipients per CampaignActivityDistributed event: a 10,000-member distribution travels as
# ten messages of ~100 kB rather than one of 1 MB that a consumer must handle in one go.
DISTRIBUTION_PART_SIZE = 1000

RECORD_RECIPIENTS = text("""
    INSERT INTO campaign_recipients
        (campaign_activity_id, campaign_id, member_type, member_id, owner_id, position, distributed_at)
    SELECT :activity_id, :campaign_id, t.member_type, t.member_id, t.owner_id, t.position, :now
    FROM unnest(CAST(:types AS varchar[]), CAST(:ids AS uuid[]), CAST(:owners AS uuid[]),
                CAST(:positions AS integer[])) AS t(member_type, member_id, owner_id, position)
    ON CONFLICT DO NOTHING
""")


def campaign_targets(connection, campaign: dict):
    """SELECT member_type, id of the campaign's lists' members, each member once."""
    lists = connection.execute(select(marketing_lists).where(
        marketing_lists.c.id.in_(campaign["list_ids"] or []))).mappings().all()
    if not lists:
        return None
    return union(*(select(literal(row["member_type"]).label("member_type"),
                          members.members_select(dict(row), details=False).subquery().c.id)
                   for row in lists))


def owners_for(campaign: dict, owner_ids: list | None) -> list[str]:
    owners = [str(owner) for owner in dict.fromkeys(owner_ids or [])]
    if owners:
        return owners
    if campaign.get("owner_id"):
        return [campaign["owner_id"]]
    raise ValidationFailed("No owners", [{"field": "owner_ids", "message":
                                          "give the owners: the campaign has no owner to assign"}])


def distribute_in(uow, campaign: dict, activity: dict, owners: list[str]) -> dict:
    """Distribute `activity` (locked by the caller) within the caller's unit of work."""
    connection = uow.connection
    targets = campaign_targets(connection, campaign)
    if targets is None:
        raise Conflict("The campaign targets no marketing list: add list_ids before distributing.")
    targets = targets.subquery()
    reached = select(campaign_recipients.c.member_id).where(
        campaign_recipients.c.campaign_activity_id == activity["id"])
    new = connection.execute(select(targets.c.member_type, targets.c.id)
                             .where(targets.c.id.not_in(reached))
                             .order_by(targets.c.member_type, targets.c.id)).all()
    start = activity["distributed_count"]
    assigned = round_robin(owners, start, len(new))
    now = datetime.now(timezone.utc)
    if new:  # one statement for the lot: 10,000 rows cost one round trip, not 10,000
        connection.execute(RECORD_RECIPIENTS, {
            "activity_id": activity["id"], "campaign_id": campaign["id"], "now": now,
            "types": [row.member_type for row in new], "ids": [row.id for row in new],
            "owners": assigned, "positions": list(range(start + 1, start + len(new) + 1)),
        })
    recipients = [{"type": row.member_type, "id": row.id, "owner_id": owner}
                  for row, owner in zip(new, assigned)]
    _publish(uow, campaign, activity, recipients)
    repo = CampaignActivityRepository(connection)
    changes = {"status": "distributed", "distributed_count": start + len(new)}
    if new or activity["distributed_at"] is None:
        changes["distributed_at"] = now
    record = repo.change(activity, changes)
    return json_safe(record) | {"distributed": len(new)}


def _publish(uow, campaign: dict, activity: dict, recipients: list[dict]) -> None:
    parts = [recipients[i:i + DISTRIBUTION_PART_SIZE]
             for i in range(0, len(recipients), DISTRIBUTION_PART_SIZE)]
    distribution_id = str(uuid.uuid4())
    for number, part in enumerate(parts, start=1):
        uow.add_event("CampaignActivityDistributed", json_safe({
            "campaign_id": campaign["id"], "campaign_activity_id": activity["id"],
            "channel": activity["channel"], "subject": activity["subject"],
            "description": activity.get("description"),
            "scheduled_start": activity.get("scheduled_start"), "recipients": part,
            "distribution_id": distribution_id, "part": number, "parts": len(parts),
        }))


def distribute(db, campaign_id: str, activity_id: str, data: dict | None) -> dict:
    values = load(DistributeInput(), data or {})
    with db.unit_of_work() as uow:
        campaign = get_campaign(uow.connection, campaign_id)
        # The activity's row lock serialises concurrent distributions of it.
        activity = get_child(CampaignActivityRepository(uow.connection), "campaign activity",
                             campaign["id"], activity_id, for_update=True)
        require_active_campaign(campaign, "distribute an activity")
        return distribute_in(uow, campaign, activity, owners_for(campaign, values.get("owner_ids")))

