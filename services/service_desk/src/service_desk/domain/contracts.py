"""Contracts and their allotments: rules and the arithmetic of deductions."""
from __future__ import annotations

from datetime import date

HOURS, CASES, NONE = "hours", "cases", "none"


def contract_rule_errors(contract: dict) -> list[dict]:
    errors = []
    start, end = contract.get("start_date"), contract.get("end_date")
    if start and end and end < start:
        errors.append({"field": "end_date", "message": "must not be before start_date"})
    kind, total = contract.get("allotment_type") or NONE, contract.get("total_allotment")
    if kind == NONE and total is not None:
        errors.append({"field": "total_allotment", "message": "must be empty when allotment_type is none"})
    if kind != NONE and not total:
        unit = "minutes" if kind == HOURS else "cases"
        errors.append({"field": "total_allotment",
                       "message": f"required (a positive number of {unit}) when allotment_type is {kind}"})
    return errors


def has_ended(contract: dict, today: date) -> bool:
    return contract["end_date"] < today


def effective_status(contract: dict, today: date) -> str:
    """An active contract past its end date is expired even before the timer marks it."""
    if contract["status"] == "active" and has_ended(contract, today):
        return "expired"
    return contract["status"]


def charge_for_case(allotment_type: str, time_spent_minutes: int) -> int:
    """What a resolved case costs the contract: its time in minutes, one case, or nothing."""
    if allotment_type == HOURS:
        return time_spent_minutes
    if allotment_type == CASES:
        return 1
    return 0


def still_to_deduct(charge: int, already_deducted: int) -> int:
    """A case is charged once: a redelivery or a second resolution (after a reopen) only
    deducts what was not deducted before, and a charge never comes back as a refund."""
    return max(0, charge - already_deducted)


def exhausts(remaining_before: int, remaining_after: int) -> bool:
    """True only for the deduction that takes the allotment to zero (or below)."""
    return remaining_before > 0 >= remaining_after


def contract_payload(contract: dict) -> dict:
    return {"contract_id": contract["id"], "customer_account_id": contract["customer_account_id"],
            "allotment_type": contract["allotment_type"], "owner_id": contract.get("owner_id")}
