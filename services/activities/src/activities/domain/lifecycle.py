"""The activity state machine: open -> completed | cancelled; closed activities are final.

Closed activities are history (time spent on a case, a campaign's progress): changing them
would rewrite figures other services already counted, so every change needs an open one."""
from __future__ import annotations

from crmkit.errors import Conflict

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"
STATUSES = (OPEN, COMPLETED, CANCELLED)

TRANSITIONS = {"complete": (OPEN, COMPLETED), "cancel": (OPEN, CANCELLED)}


def next_status(current: str, action: str) -> str:
    source, target = TRANSITIONS[action]
    if current != source:
        raise Conflict(f"Cannot {action} an activity that is {current}; only open activities can be.")
    return target


def ensure_editable(current: str, what: str = "change") -> None:
    if current != OPEN:
        raise Conflict(f"Cannot {what} an activity that is {current}; only open activities can be changed.")


def actual_minutes(given: int | None, activity: dict) -> int | None:
    """Time spent when completing: what the caller says, else what was recorded or planned."""
    for value in (given, activity.get("actual_duration_minutes"), activity.get("duration_minutes")):
        if value is not None:
            return value
    return None
