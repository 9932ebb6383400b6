"""Accounts and contacts: normalisation, cross-field rules, hierarchy, event payloads."""
from __future__ import annotations

from typing import Callable

ACCOUNT_FIELDS = ("name", "account_number", "industry", "website", "email", "phone", "address",
                  "parent_account_id", "credit_limit", "currency")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "mobile", "job_title", "account_id",
                  "birth_date", "city", "country")


def normalise(data: dict) -> dict:
    """Emails compare case-insensitively; surrounding blanks are never meaningful."""
    out = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if key == "email":
                value = value.lower()
        out[key] = value
    return out


def account_rule_errors(account: dict) -> list[dict]:
    errors = []
    if account.get("credit_limit") is not None and not account.get("currency"):
        errors.append({"field": "currency", "message": "required when credit_limit is given"})
    if account.get("id") and account.get("parent_account_id") == account["id"]:
        errors.append({"field": "parent_account_id", "message": "an account cannot be its own parent"})
    return errors


def creates_cycle(account_id: str, new_parent_id: str | None,
                  parent_of: Callable[[str], str | None], max_depth: int = 1000) -> bool:
    """Would making `new_parent_id` the parent of `account_id` make the hierarchy a loop?"""
    current = new_parent_id
    for _ in range(max_depth):
        if current is None:
            return False
        if current == account_id:
            return True
        current = parent_of(current)
    return True  # deeper than any real hierarchy: treat as a loop rather than walk forever


def account_event_payload(account: dict) -> dict:
    address = account.get("address") or {}
    return {
        "account_id": account["id"],
        "name": account["name"],
        "account_number": account.get("account_number"),
        "industry": account.get("industry"),
        "email": account.get("email"),
        "city": address.get("city"),
        "country": address.get("country"),
        "parent_account_id": account.get("parent_account_id"),
        "owner_id": account.get("owner_id"),
        "version": account["version"],
    }


def contact_event_payload(contact: dict) -> dict:
    return {
        "contact_id": contact["id"],
        "account_id": contact.get("account_id"),
        "first_name": contact.get("first_name"),
        "last_name": contact["last_name"],
        "email": contact.get("email"),
        "job_title": contact.get("job_title"),
        "birth_date": contact.get("birth_date"),
        "city": contact.get("city"),
        "country": contact.get("country"),
        "owner_id": contact.get("owner_id"),
        "version": contact["version"],
    }
