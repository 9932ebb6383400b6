"""The built-in kinds of activity and the rules that depend on the kind: which schedule
fields each one needs, which fields belong to which kind, and sensible defaults."""
from __future__ import annotations

from datetime import datetime

PHONE_CALL, EMAIL, TASK, APPOINTMENT = "phone_call", "email", "task", "appointment"
RECURRING_APPOINTMENT, LETTER, FAX = "recurring_appointment", "letter", "fax"
CAMPAIGN_RESPONSE, CAMPAIGN_ACTIVITY, SERVICE_ACTIVITY = "campaign_response", "campaign_activity", "service_activity"

BUILT_IN_TYPES = (PHONE_CALL, EMAIL, TASK, APPOINTMENT, RECURRING_APPOINTMENT, LETTER, FAX,
                  CAMPAIGN_RESPONSE, CAMPAIGN_ACTIVITY, SERVICE_ACTIVITY)
# Kinds that sit on a calendar: they need a start and an end, and appear in the iCalendar feed.
CALENDAR_TYPES = (APPOINTMENT, RECURRING_APPOINTMENT, SERVICE_ACTIVITY)
# Communications go one way or the other; the others have no direction.
DIRECTED_TYPES = (PHONE_CALL, EMAIL, LETTER, FAX, CAMPAIGN_RESPONSE)

PRIORITIES = ("low", "normal", "high")
DIRECTIONS = ("incoming", "outgoing")
PARTY_ROLES = ("from", "to", "cc", "bcc", "required", "optional", "organizer", "resource")
CHANNELS = ("email", "phone_call", "letter", "fax", "appointment", "other")


def is_built_in(activity_type: str) -> bool:
    return activity_type in BUILT_IN_TYPES


def defaults(activity: dict) -> dict:
    """Values a new activity gets unless it says otherwise."""
    out = {"priority": "normal"}
    if activity.get("type") in DIRECTED_TYPES:
        out["direction"] = "outgoing"
    start, end = activity.get("scheduled_start"), activity.get("scheduled_end")
    if isinstance(start, datetime) and isinstance(end, datetime) and end >= start:
        out["duration_minutes"] = int((end - start).total_seconds() // 60)
    return out


def rule_errors(activity: dict, custom: bool) -> list[dict]:
    """Cross-field rules of a whole candidate activity (after a PATCH is merged in)."""
    errors = []
    kind = activity.get("type")
    start, end = activity.get("scheduled_start"), activity.get("scheduled_end")
    if kind in CALENDAR_TYPES:
        for field in ("scheduled_start", "scheduled_end"):
            if activity.get(field) is None:
                errors.append({"field": field, "message": f"required for a {kind.replace('_', ' ')}"})
    if start is not None and end is not None and end < start:
        errors.append({"field": "scheduled_end", "message": "must not be before scheduled_start"})
    if kind == RECURRING_APPOINTMENT and not activity.get("recurrence"):
        errors.append({"field": "recurrence", "message": "required for a recurring appointment"})
    if kind != RECURRING_APPOINTMENT and activity.get("recurrence"):
        errors.append({"field": "recurrence", "message": "only a recurring_appointment recurs"})
    if activity.get("direction") and kind not in DIRECTED_TYPES and not custom:
        errors.append({"field": "direction",
                       "message": f"only {', '.join(DIRECTED_TYPES)} have a direction"})
    if activity.get("channel") and kind not in (CAMPAIGN_ACTIVITY, CAMPAIGN_RESPONSE):
        errors.append({"field": "channel", "message": "only campaign activities and responses have a channel"})
    if activity.get("custom_fields") and not custom:
        errors.append({"field": "custom_fields", "message": "only custom activity types have custom fields"})
    return errors
