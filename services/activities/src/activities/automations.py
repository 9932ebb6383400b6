"""Activities other services' events create, close or move. Each effect runs in the
consumer's unit of work (with its inbox claim); activities an event creates carry an
origin key, so the same fact arriving twice, even as two different events, makes one."""
from __future__ import annotations

from datetime import timedelta

from crmkit.envelope import Envelope
from crmkit.records import json_safe
from activities import read_model
from activities.activities import activity_event_payload, cancel
from activities.db import ActivityRepository
from activities.domain import kinds, lifecycle
from activities.domain.recurrence import parse_moment

FOLLOW_UP_AFTER = timedelta(days=2)  # a qualified lead is called back within two days
RENEWAL_DUE_AFTER = timedelta(days=1)


def _ref(connection, record_type: str, record_id: str | None) -> dict | None:
    if not record_id:
        return None
    return {"type": record_type, "id": read_model.surviving(connection, record_type, record_id)}


def _party(connection, role: str, record_type: str, record_id: str) -> dict:
    return {"role": role, **_ref(connection, record_type, record_id)}


def create_once(uow, origin_key: str, values: dict, owner_id: str | None) -> dict | None:
    """Create the activity unless this origin already made one; record ActivityCreated."""
    repo = ActivityRepository(uow.connection)
    record = repo.add(values, owner_id and str(owner_id), origin_key=origin_key)
    if record is not None:
        record = json_safe(record)
        uow.add_event("ActivityCreated", activity_event_payload(record))
    return record


def on_campaign_activity_distributed(uow, event: Envelope) -> int:
    """One campaign activity per recipient, regarding the campaign, owned by the recipient's
    owner. Thousands of recipients arrive at once: merges are looked up and activities
    inserted in a few statements, not a few per recipient."""
    payload = event.payload
    recipients = payload.get("recipients") or []
    connection = uow.connection
    moved = read_model.survivors(connection, {("campaign", payload["campaign_id"])}
                                 | {(r["type"], str(r["id"])) for r in recipients})
    campaign = {"type": "campaign", "id": moved.get(("campaign", payload["campaign_id"]), payload["campaign_id"])}
    common = {"type": kinds.CAMPAIGN_ACTIVITY, "subject": payload["subject"][:200],
              "channel": payload.get("channel") if payload.get("channel") in kinds.CHANNELS else "other",
              "regarding": campaign, "scheduled_start": parse_moment(payload.get("scheduled_start")),
              "source": {"campaign_activity_id": payload["campaign_activity_id"]}}
    items = []
    for recipient in recipients:
        key = f"campaign_activity:{payload['campaign_activity_id']}:{recipient['type']}:{recipient['id']}"
        party_id = moved.get((recipient["type"], str(recipient["id"])), str(recipient["id"]))
        items.append((common | {"parties": [{"role": "to", "type": recipient["type"], "id": party_id}]},
                      recipient.get("owner_id"), key))
    created = ActivityRepository(connection).add_many(items)
    for record in json_safe(created):
        uow.add_event("ActivityCreated", activity_event_payload(record))
    return len(created)


def on_lead_qualified(uow, event: Envelope) -> None:
    """A follow-up task for the new opportunity's owner (or the account/contact when the
    qualification created no opportunity)."""
    p = event.payload
    connection = uow.connection
    for record_type in ("opportunity", "contact", "lead"):
        read_model.note_mention(connection, record_type, p.get(f"{record_type}_id"), event.occurred_at,
                                account_id=p.get("account_id"))
    regarding = (_ref(connection, "opportunity", p.get("opportunity_id")) or _ref(connection, "account", p.get("account_id"))
                 or _ref(connection, "contact", p.get("contact_id")) or _ref(connection, "lead", p["lead_id"]))
    lead = read_model.known(connection, "lead", p["lead_id"])
    topic = lead["label"] if lead and lead["label"] else "qualified lead"
    values = {"type": kinds.TASK, "subject": f"Follow up: {topic}"[:200], "priority": "high",
              "regarding": regarding, "due_at": event.occurred_at + FOLLOW_UP_AFTER,
              "parties": [_party(connection, "to", "contact", p["contact_id"])] if p.get("contact_id") else [],
              "source": {"lead_id": p["lead_id"]}}
    create_once(uow, f"lead_qualified:{p['lead_id']}", values, p.get("owner_id"))


def on_case_resolved(uow, event: Envelope) -> int:
    """Close the case's open activities. They are cancelled rather than completed: the case
    already counted its time spent, and completing them now would report more time on a
    resolved case."""
    p = event.payload
    read_model.note_mention(uow.connection, "case", p["case_id"], event.occurred_at,
                            account_id=p.get("customer_account_id"))
    repo = ActivityRepository(uow.connection)
    closed = repo.open_regarding("case", p["case_id"])
    for activity in closed:
        cancel(uow, repo, activity, "case resolved")
    return len(closed)


def _booking_values(connection, p: dict) -> dict:
    regarding = p.get("regarding") or ({"type": "account", "id": p["account_id"]} if p.get("account_id") else None)
    return {"type": kinds.SERVICE_ACTIVITY, "subject": (p.get("subject") or "Service booking")[:200],
            "regarding": regarding and _ref(connection, regarding["type"], regarding["id"]),
            "parties": [_party(connection, "resource", "resource", resource) for resource in p.get("resource_ids") or []],
            "scheduled_start": parse_moment(p["start"]), "scheduled_end": parse_moment(p["end"]),
            "source": {"booking_id": p["booking_id"], "service_id": p.get("service_id"),
                       "request_id": p.get("request_id")}}


def _note_booking_customer(connection, event: Envelope) -> None:
    regarding = event.payload.get("regarding")
    if regarding and event.payload.get("account_id"):
        read_model.note_mention(connection, regarding["type"], regarding["id"], event.occurred_at,
                                account_id=event.payload["account_id"])


def on_booking_created(uow, event: Envelope) -> None:
    """A service activity on the booked resources' calendars."""
    _note_booking_customer(uow.connection, event)
    create_once(uow, f"booking:{event.payload['booking_id']}", _booking_values(uow.connection, event.payload), None)


def on_booking_cancelled(uow, event: Envelope) -> None:
    """Cancel the booking's activity. A cancellation overtaking its creation leaves a
    cancelled activity behind, so the late BookingCreated creates nothing."""
    p = event.payload
    _note_booking_customer(uow.connection, event)
    repo = ActivityRepository(uow.connection)
    key = f"booking:{p['booking_id']}"
    # A concurrent BookingCreated may insert it between the two: then read what it made.
    activity = (repo.by_origin(key) or create_once(uow, key, _booking_values(uow.connection, p), None)
                or repo.by_origin(key))
    if activity["status"] == lifecycle.OPEN:
        cancel(uow, repo, activity, p.get("reason") or "booking cancelled")


def on_contract_allotment_exhausted(uow, event: Envelope) -> None:
    """A task for the account owner to renew or extend the contract."""
    p = event.payload
    connection = uow.connection
    read_model.note_mention(connection, "contract", p["contract_id"], event.occurred_at,
                            account_id=p.get("customer_account_id"))
    account = read_model.known(connection, "account", read_model.surviving(connection, "account", p.get("customer_account_id")))
    owner = (account or {}).get("owner_id") or p.get("owner_id")
    values = {"type": kinds.TASK, "subject": "Contract allotment used up: renew or extend the contract",
              "priority": "high", "regarding": _ref(connection, "contract", p["contract_id"]),
              "parties": [_party(connection, "to", "account", p["customer_account_id"])] if p.get("customer_account_id") else [],
              "due_at": event.occurred_at + RENEWAL_DUE_AFTER,
              "source": {"contract_id": p["contract_id"], "allotment_type": p.get("allotment_type")}}
    create_once(uow, f"contract_allotment_exhausted:{p['contract_id']}:{event.event_id}", values, owner)


def on_record_merged(uow, event: Envelope, record_type: str) -> int:
    """Re-point activities (regarding and parties) from the merged record to the survivor."""
    p = event.payload
    merged, survivor = p[f"merged_{record_type}_id"], p[f"surviving_{record_type}_id"]
    connection = uow.connection
    read_model.mark_deleted(connection, record_type, merged, event.occurred_at, merged_into=survivor)
    if record_type == "account":
        read_model.move_accounts(connection, merged, survivor)
    repo = ActivityRepository(connection)
    moved = repo.involving(record_type, merged)
    for activity in moved:
        changes = {}
        regarding = activity.get("regarding")
        if regarding and (regarding["type"], regarding["id"]) == (record_type, merged):
            changes["regarding"] = {"type": record_type, "id": survivor}
        if any((p_["type"], p_["id"]) == (record_type, merged) for p_ in activity["parties"]):
            changes["parties"] = [{**party, "id": survivor} if (party["type"], party["id"]) == (record_type, merged)
                                  else party for party in activity["parties"]]
        record = json_safe(repo.change(activity, changes))
        uow.add_event("ActivityUpdated", activity_event_payload(record) | {"changed": sorted(changes)})
    return len(moved)


def on_contact_merged(uow, event: Envelope) -> int:
    return on_record_merged(uow, event, "contact")


def on_account_merged(uow, event: Envelope) -> int:
    return on_record_merged(uow, event, "account")
