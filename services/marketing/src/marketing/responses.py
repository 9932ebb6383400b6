"""Campaign responses: recorded per channel from a known contact, lead or account or from
free-text customer fields; converted into a lead by sales (CampaignResponseConverted), the
response showing the lead once sales reports it (LeadCreated echoing the response_id)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select, update

from crmkit.errors import Conflict, ValidationFailed
from crmkit.records import json_safe, load
from marketing import members
from marketing.campaigns import check_filters, get_campaign, page_of
from marketing.db import ResponseRepository, campaign_responses, customer_accounts, customer_contacts
from marketing.lookup import fetch
from marketing.read_model import response_id_of
from marketing.domain.campaigns import ACTIVE, COMPLETED, RESPONSE_ACTIONS, next_state
from marketing.schemas import ResponseInput

CUSTOMER_IDS = {"contact_id": "contact", "lead_id": "lead", "account_id": "account"}
FREE_TEXT = ("first_name", "last_name", "company_name", "email", "phone")
RESPONDING_STATES = (ACTIVE, COMPLETED)  # late replies to a completed campaign still count


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _customer_errors(connection, values: dict) -> list[dict]:
    if not any(values.get(key) for key in (*CUSTOMER_IDS, "last_name", "company_name", "email")):
        return [{"field": "body", "message": "name the customer: contact_id, lead_id or account_id, "
                                             "or last_name, company_name or email"}]
    return [{"field": key, "message": f"no {member_type} {values[key]} known to marketing"}
            for key, member_type in CUSTOMER_IDS.items()
            if values.get(key) and not members.known_ids(connection, member_type, [values[key]])]


def _get(repo: ResponseRepository, response_id: str, for_update: bool = False) -> dict:
    return fetch(repo, response_id, "campaign response", for_update)


def create_response(db, campaign_id: str, data: dict, owner_id: str | None) -> dict:
    values = load(ResponseInput(), data)
    with db.unit_of_work() as uow:
        campaign = get_campaign(uow.connection, campaign_id)
        if campaign["status"] not in RESPONDING_STATES:
            raise Conflict(f"Cannot record a response: the campaign is {campaign['status']}; "
                           "responses come to active or completed campaigns.")
        errors = _customer_errors(uow.connection, values)
        if errors:
            raise ValidationFailed("Invalid campaign response", errors)
        values["received_at"] = values.get("received_at") or _now()
        record = ResponseRepository(uow.connection).add(values | {"campaign_id": campaign["id"]}, owner_id)
        return json_safe(record)


def get_response(db, response_id: str) -> dict:
    with db.reading() as connection:
        return json_safe(_get(ResponseRepository(connection), response_id))


def list_responses(db, campaign_id: str, filters=None, sort=None, limit=None, cursor=None) -> dict:
    filters = check_filters(filters, ("status", "channel"))
    with db.reading() as connection:
        filters["campaign_id"] = get_campaign(connection, campaign_id)["id"]
        return page_of(connection, ResponseRepository, filters, sort, limit, cursor)


def _known_customer_fields(connection, response: dict) -> dict:
    """Fill the free-text fields sales needs for the lead from the read model when the
    response came from a known contact or account and left them blank."""
    known: dict = {}
    contacts, accounts = customer_contacts.c, customer_accounts.c
    account_id = response.get("account_id")
    if response.get("contact_id"):
        contact = connection.execute(select(contacts.first_name, contacts.last_name, contacts.email,
                                            contacts.account_id)
                                     .where(contacts.contact_id == response["contact_id"])).mappings().first()
        if contact:
            known |= {"first_name": contact["first_name"], "last_name": contact["last_name"],
                      "email": contact["email"]}
            account_id = account_id or contact["account_id"]
    if account_id:
        known["company_name"] = connection.execute(
            select(accounts.name).where(accounts.account_id == account_id)).scalar()
    return {key: response.get(key) or known.get(key) for key in FREE_TEXT} | {
        "account_id": account_id}


def convert_response(db, response_id: str) -> dict:
    with db.unit_of_work() as uow:
        repo = ResponseRepository(uow.connection)
        response = _get(repo, response_id, for_update=True)
        status = next_state(RESPONSE_ACTIONS, "campaign response", "convert", response["status"])
        if response["lead_id"]:
            raise Conflict(f"The response came from lead {response['lead_id']}: there is no new "
                           "lead to create; qualify that lead in sales instead.")
        record = repo.change(response, {"status": status, "converted_at": _now()})
        uow.add_event("CampaignResponseConverted", json_safe({
            "response_id": record["id"], "campaign_id": record["campaign_id"],
            "channel": record["channel"], "subject": record["subject"],
            "contact_id": record["contact_id"], "lead_id": None, "owner_id": record["owner_id"],
            **_known_customer_fields(uow.connection, record),
        }))
        return {"response": json_safe(record), "lead_id": None}


def close_response(db, response_id: str) -> dict:
    with db.unit_of_work() as uow:
        repo = ResponseRepository(uow.connection)
        response = _get(repo, response_id, for_update=True)
        status = next_state(RESPONSE_ACTIONS, "campaign response", "close", response["status"])
        return json_safe(repo.change(response, {"status": status}))


def link_converted_lead(connection, payload: dict) -> None:
    """LeadCreated: the response it came from shows the lead. Sales echoes our response_id
    (as campaign_response_id); without it, the oldest converted response of the campaign with
    the lead's email is the one."""
    table = campaign_responses
    waiting = (table.c.status == "converted") & table.c.converted_lead_id.is_(None)
    response_id = response_id_of(payload)
    if response_id:
        target = table.c.id == response_id
    elif payload.get("campaign_id") and payload.get("email"):
        target = table.c.id == select(table.c.id).where(
            waiting, table.c.campaign_id == payload["campaign_id"],
            func.lower(table.c.email) == payload["email"].lower(),
        ).order_by(table.c.converted_at, table.c.id).limit(1).scalar_subquery()
    else:
        return
    connection.execute(update(table).where(target, waiting).values(
        converted_lead_id=payload["lead_id"], updated_at=_now(), version=table.c.version + 1))
