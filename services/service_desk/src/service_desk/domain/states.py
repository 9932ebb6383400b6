"""The state machines of the service desk's records: which action is allowed from which
status. A wrong state is a Conflict (409) that changes nothing."""
from __future__ import annotations

from crmkit.errors import Conflict

# action -> (statuses it may start from, status it leads to)
CASE_ACTIONS = {
    "resolve": ({"active"}, "resolved"),
    "cancel": ({"active"}, "cancelled"),
    "reopen": ({"resolved", "cancelled"}, "active"),
}
CONTRACT_ACTIONS = {
    "activate": ({"draft"}, "active"),
    "cancel": ({"draft", "active"}, "cancelled"),
    "expire": ({"active"}, "expired"),
}
ARTICLE_ACTIONS = {
    "publish": ({"draft"}, "published"),
    "archive": ({"published"}, "archived"),
    "revise": ({"published", "archived"}, "draft"),
}


def transition(machine: dict, label: str, action: str, status: str) -> str:
    """The status `action` leads to from `status`, or Conflict naming what is allowed."""
    allowed_from, target = machine[action]
    if status not in allowed_from:
        raise Conflict(f"Cannot {action} a {status} {label}; only a "
                       f"{' or '.join(sorted(allowed_from))} {label} can be {_past(action)}.")
    return target


def _past(action: str) -> str:
    return {"cancel": "cancelled", "reopen": "reopened"}.get(action, action.rstrip("e") + "ed")
