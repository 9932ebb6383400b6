"""Leads: create (refusing likely duplicates), edit while open, mark contacted, qualify into
account + contact + opportunity in one transaction, disqualify, and leads made from
marketing's converted campaign responses."""
from __future__ import annotations

from datetime import datetime, timezone

from crmkit.database import DatabaseAccess
from crmkit.errors import Conflict, ValidationFailed
from crmkit.records import json_safe
from crmkit.resources import Resource, ResourceFlows
from sales.customers import ACCOUNT_DUPLICATES, CONTACT_DUPLICATES, LEAD_DUPLICATES
from sales.db import AccountRepository, ContactRepository, LeadRepository, OpportunityRepository
from sales.domain import events
from sales.domain.customers import account_event_payload, contact_event_payload, normalise
from sales.domain.lifecycle import LEAD
from sales.flows import (act, create_refusing_duplicates, find_duplicates, get_or_404, load_input,
                         missing_reference, raise_for, refuse_duplicates)
from sales.schemas import LeadInput, QualifyInput, ReasonInput

def check_lead(repo: LeadRepository, lead: dict) -> list[dict]:
    if lead.get("id"):
        LEAD.next_status(lead["status"], "edit")  # a qualified lead is history: 409
    if lead.get("estimated_value") is not None and not lead.get("currency"):
        return [{"field": "currency", "message": "required when estimated_value is given"}]
    return []


def lead_delete_blocker(repo: LeadRepository, lead: dict) -> str | None:
    if lead["status"] == "qualified":
        return "A qualified lead is kept: the records made from it refer to it."
    return None


LEADS = Resource(label="lead", event_prefix="Lead", schema=LeadInput, repository=LeadRepository,
                 event_payload=events.lead_created, check=check_lead,
                 delete_blocker=lead_delete_blocker, normalise=normalise)


def flows(db: DatabaseAccess):
    return ResourceFlows(db, LEADS)


def create(db: DatabaseAccess, data, owner_id: str | None) -> dict:
    return create_refusing_duplicates(db, LEADS, LEAD_DUPLICATES, data, owner_id)


def mark_contacted(db: DatabaseAccess, lead_id: str) -> dict:
    with db.unit_of_work() as uow:
        return act(uow, LeadRepository(uow.connection), lead_id, LEAD, "mark_contacted")[1]


def disqualify(db: DatabaseAccess, lead_id: str, data) -> dict:
    reason = load_input(ReasonInput, data)["reason"]
    with db.unit_of_work() as uow:
        _, lead = act(uow, LeadRepository(uow.connection), lead_id, LEAD, "disqualify",
                      lambda current: {"status_reason": reason})
        uow.add_event("LeadDisqualified", events.lead_disqualified(lead))
        return lead


def qualify(db: DatabaseAccess, lead_id: str, data) -> dict:
    """Link to (or create) the account and contact and create the opportunity, all in the
    transaction that marks the lead qualified and records LeadQualified."""
    options = load_input(QualifyInput, data)
    with db.unit_of_work() as uow:
        connection = uow.connection
        leads = LeadRepository(connection)
        lead = get_or_404(leads, lead_id, "lead", for_update=True)
        LEAD.next_status(lead["status"], "qualify")
        accounts, contacts = AccountRepository(connection), ContactRepository(connection)
        raise_for(missing_reference(accounts, options["existing_account_id"], "existing_account_id", "account")
                  + missing_reference(contacts, options["existing_contact_id"], "existing_contact_id", "contact"),
                  "qualification")
        owner = lead["owner_id"]
        contact_id = options["existing_contact_id"]
        account_id = options["existing_account_id"] or (contacts.get(contact_id)["account_id"] if contact_id else None)
        if account_id is None and options["create_account"] and lead["company_name"]:
            account = _new_customer(uow, accounts, "account", ACCOUNT_DUPLICATES, account_event_payload,
                                    {"name": lead["company_name"], "email": lead["email"], "phone": lead["phone"]},
                                    owner, options["allow_duplicate"])
            account_id = account["id"]
        if contact_id is None and options["create_contact"]:
            contact = _new_customer(uow, contacts, "contact", CONTACT_DUPLICATES, contact_event_payload,
                                    {"first_name": lead["first_name"], "last_name": lead["last_name"],
                                     "email": lead["email"], "phone": lead["phone"],
                                     "job_title": lead["job_title"], "account_id": account_id},
                                    owner, options["allow_duplicate"])
            contact_id = contact["id"]
        opportunity_id = None
        if options["create_opportunity"]:
            if account_id is None:
                raise ValidationFailed("Invalid qualification", [{
                    "field": "existing_account_id",
                    "message": "an opportunity needs an account: give one, or qualify a lead with a company_name"}])
            opportunity_id = OpportunityRepository(connection).add({
                "name": options.get("opportunity_name") or lead["topic"], "account_id": account_id,
                "contact_id": contact_id, "estimated_value": lead["estimated_value"],
                "currency": lead["currency"], "originating_lead_id": lead["id"],
                "campaign_id": lead["campaign_id"], "description": lead["description"]}, owner)["id"]
        qualified = json_safe(leads.change(lead, {
            "status": "qualified", "account_id": account_id, "contact_id": contact_id,
            "opportunity_id": opportunity_id, "qualified_at": datetime.now(timezone.utc)}))
        uow.add_event("LeadQualified", events.lead_qualified(qualified))
        return {"lead": qualified, "account_id": account_id, "contact_id": contact_id,
                "opportunity_id": opportunity_id}


def _new_customer(uow, repo, label, duplicate_rule, payload, values, owner, allow_duplicate) -> dict:
    """An account or contact made from the lead, announced like one created directly."""
    if not allow_duplicate:
        try:
            refuse_duplicates(label, find_duplicates(uow.connection, duplicate_rule, values))
        except Conflict as conflict:
            raise Conflict(conflict.detail + " Or qualify with existing_account_id / existing_contact_id.",
                           conflict.errors) from None
    record = json_safe(repo.add(normalise(values), owner))
    uow.add_event(f"{label.capitalize()}Created", payload(record))
    return record


def lead_from_campaign_response(uow, response: dict) -> dict | None:
    """CampaignResponseConverted -> a new lead with the campaign; None when the response
    already made one (a second conversion event of the same response)."""
    connection = uow.connection
    leads = LeadRepository(connection)
    if response["response_id"] and leads.count_where("campaign_response_id", response["response_id"]):
        return None
    contacts, accounts = ContactRepository(connection), AccountRepository(connection)
    contact = contacts.get(response["contact_id"]) if response.get("contact_id") else None
    account = accounts.get(response["account_id"]) if response.get("account_id") else None
    last_name = (response.get("last_name") or (contact or {}).get("last_name")
                 or response.get("company_name") or (account or {}).get("name") or "(unknown)")
    values = normalise({
        "topic": (response.get("subject") or "Campaign response")[:200],
        "first_name": response.get("first_name") or (contact or {}).get("first_name"),
        "last_name": last_name[:100],
        "company_name": response.get("company_name") or (account or {}).get("name"),
        "email": response.get("email") or (contact or {}).get("email"),
        "phone": response.get("phone") or (contact or {}).get("phone"),
        "source": "campaign", "campaign_id": response.get("campaign_id"),
        "campaign_response_id": response.get("response_id"),
        "contact_id": contact and contact["id"], "account_id": account and account["id"],
    })
    lead = json_safe(leads.add(values, response.get("owner_id")))
    uow.add_event("LeadCreated", events.lead_created(lead))
    return lead
