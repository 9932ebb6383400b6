"""Cases: input rules and the payloads of the events they publish."""
from __future__ import annotations

PRIORITIES = ("low", "normal", "high", "urgent")
ORIGINS = ("phone", "email", "web", "other")
STAGES = ("identify", "research", "resolve")
STATUSES = ("active", "resolved", "cancelled")
IN_PROGRESS, WAITING_ON_CUSTOMER = "in_progress", "waiting_on_customer"


def customer_errors(case: dict) -> list[dict]:
    """A case is for exactly one customer: an account or a contact."""
    account, contact = case.get("customer_account_id"), case.get("customer_contact_id")
    if bool(account) == bool(contact):
        message = ("give either customer_account_id or customer_contact_id, not both" if account
                   else "required: customer_account_id or customer_contact_id")
        return [{"field": "customer_account_id", "message": message},
                {"field": "customer_contact_id", "message": message}]
    return []


def customer_of(case: dict) -> dict:
    if case.get("customer_account_id"):
        return {"type": "account", "id": case["customer_account_id"]}
    return {"type": "contact", "id": case["customer_contact_id"]}


def total_time_spent(activity_minutes: int, billable_minutes: int | None) -> int:
    """Completed activities regarding the case plus what the resolver bills on top."""
    return activity_minutes + (billable_minutes or 0)


def case_created_payload(case: dict, account_id: str | None) -> dict:
    return {"case_id": case["id"], "title": case["title"], "customer": customer_of(case),
            "customer_account_id": account_id, "product_id": case.get("product_id"),
            "contract_id": case.get("contract_id"), "priority": case["priority"],
            "origin": case["origin"], "owner_id": case.get("owner_id")}


def case_resolved_payload(case: dict, account_id: str | None) -> dict:
    return {"case_id": case["id"], "customer": customer_of(case), "customer_account_id": account_id,
            "contract_id": case.get("contract_id"), "time_spent_minutes": case["time_spent_minutes"],
            "resolved_at": case["resolved_at"]}
