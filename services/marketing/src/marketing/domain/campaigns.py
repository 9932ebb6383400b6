"""Campaigns, their activities and responses: state machines, round-robin assignment and
the metrics arithmetic (exact decimals)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from crmkit.errors import Conflict

PLANNED, ACTIVE, COMPLETED, CANCELLED = "planned", "active", "completed", "cancelled"
CAMPAIGN_ACTIONS = {
    # action: (states it may start from, state it leads to)
    "activate": ((PLANNED,), ACTIVE),
    "complete": ((ACTIVE,), COMPLETED),
    "cancel": ((PLANNED, ACTIVE), CANCELLED),
}
CLOSED_CAMPAIGN_STATES = (COMPLETED, CANCELLED)

OPEN, CONVERTED, CLOSED = "open", "converted", "closed"
RESPONSE_ACTIONS = {
    "convert": ((OPEN,), CONVERTED),
    "close": ((OPEN,), CLOSED),
}


def next_state(actions: dict, record_label: str, action: str, current: str) -> str:
    """The state `action` leads to from `current`, or Conflict naming the allowed states."""
    allowed_from, target = actions[action]
    if current not in allowed_from:
        raise Conflict(f"Cannot {action} a {current} {record_label}; only a "
                       f"{' or '.join(allowed_from)} {record_label} can be {_past(action)}.")
    return target


def _past(action: str) -> str:
    return {"activate": "activated", "complete": "completed", "cancel": "cancelled",
            "convert": "converted", "close": "closed"}[action]


def require_open_campaign(campaign: dict, doing: str) -> None:
    """Completed and cancelled campaigns are history: nothing about them changes any more."""
    if campaign["status"] in CLOSED_CAMPAIGN_STATES:
        raise Conflict(f"Cannot {doing}: the campaign is {campaign['status']}.")


def require_active_campaign(campaign: dict, doing: str) -> None:
    if campaign["status"] != ACTIVE:
        hint = " Activate it first." if campaign["status"] == PLANNED else ""
        raise Conflict(f"Cannot {doing}: the campaign is {campaign['status']}, not active.{hint}")


def round_robin(owner_ids: list[str], start: int, count: int) -> list[str]:
    """Owners for `count` new recipients, continuing the rotation after `start` earlier ones
    (so a later distribution to new members carries on where the last one stopped)."""
    return [owner_ids[(start + index) % len(owner_ids)] for index in range(count)]


CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def response_rate(responses: int, members_targeted: int) -> Decimal | None:
    """Responses per hundred members targeted, like expected_response_rate."""
    if not members_targeted:
        return None
    return (Decimal(100) * responses / members_targeted).quantize(CENT, rounding=ROUND_HALF_UP)


def roi(revenue_won: Decimal, total_cost: Decimal) -> Decimal | None:
    """(revenue - cost) / cost; undefined (None) when nothing was spent."""
    if not total_cost:
        return None
    return ((revenue_won - total_cost) / total_cost).quantize(RATIO, rounding=ROUND_HALF_UP)
