"""Routing rules: ordered conditions on a new case; the first rule that matches names the
queue, otherwise the default queue does."""
from __future__ import annotations

from typing import Iterable

# condition key -> the case field it tests; each condition lists the values it accepts
CONDITION_FIELDS = {
    "priority": "priority",
    "origin": "origin",
    "product_id": "product_id",
    "customer_account_id": "customer_account_id",
    "customer_contact_id": "customer_contact_id",
    "customer_type": "customer_type",
}


def matches(conditions: dict, case: dict) -> bool:
    """Every condition given must accept the case (an empty rule matches every case)."""
    facts = dict(case, customer_type="account" if case.get("customer_account_id") else "contact")
    return all(facts.get(CONDITION_FIELDS[key]) in accepted for key, accepted in conditions.items())


def choose_queue(rules: Iterable[dict], case: dict, default_queue_id: str | None) -> tuple[str | None, dict | None]:
    """(queue id, the rule that chose it or None for the default). Rules come in order."""
    for rule in rules:
        if rule.get("enabled", True) and matches(rule["conditions"], case):
            return rule["queue_id"], rule
    return default_queue_id, None
