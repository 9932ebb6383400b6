"""Accounts and contacts as sales resources: their schemas, rules needing the database,
delete blockers, event payloads and duplicate rules."""
from __future__ import annotations

from crmkit.resources import Resource
from sales.db import AccountRepository, ContactRepository, LeadRepository
from sales.domain.customers import (account_event_payload, account_rule_errors, contact_event_payload,
                                    creates_cycle, normalise)
from sales.flows import missing_reference
from sales.schemas import AccountInput, ContactInput


def check_account(repo: AccountRepository, account: dict) -> list[dict]:
    errors = account_rule_errors(account)
    parent = account.get("parent_account_id")
    if parent and parent != account.get("id"):
        if not repo.exists(parent):
            errors.append({"field": "parent_account_id", "message": f"no account with id {parent}"})
        elif account.get("id") and creates_cycle(account["id"], parent, repo.parent_of):
            errors.append({"field": "parent_account_id",
                           "message": "would make the account hierarchy a loop"})
    return errors


def account_delete_blocker(repo: AccountRepository, account: dict) -> str | None:
    contacts = ContactRepository(repo.connection).count_where("account_id", account["id"])
    children = repo.count_where("parent_account_id", account["id"])
    if contacts or children:
        return (f"The account still has {contacts} contact(s) and {children} child account(s); "
                "move or delete them first.")
    return None


def check_contact(repo: ContactRepository, contact: dict) -> list[dict]:
    return missing_reference(AccountRepository(repo.connection), contact.get("account_id"),
                             "account_id", "account")


ACCOUNTS = Resource(
    label="account", event_prefix="Account", schema=AccountInput, repository=AccountRepository,
    event_payload=account_event_payload, check=check_account, delete_blocker=account_delete_blocker,
    normalise=normalise,
)
CONTACTS = Resource(
    label="contact", event_prefix="Contact", schema=ContactInput, repository=ContactRepository,
    event_payload=contact_event_payload, check=check_contact, normalise=normalise,
)

# Where a new record's likely duplicates are looked for (see flows.find_duplicates).
ACCOUNT_DUPLICATES = (lambda c: [(AccountRepository(c), "account")], ("phone",), True)
CONTACT_DUPLICATES = (lambda c: [(ContactRepository(c), "contact")], ("phone", "mobile"), False)
LEAD_DUPLICATES = (lambda c: [(LeadRepository(c), "lead"), (ContactRepository(c), "contact")],
                   ("phone",), False)
