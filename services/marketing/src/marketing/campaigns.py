"""Campaigns (planned -> active -> completed / cancelled), their expenses and their planned
activities. Completed and cancelled campaigns are history: nothing about them changes."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from crmkit import pagination
from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.records import json_safe, load, valid_id
from crmkit.repository import Repository
from crmkit.resources import Resource
from marketing.db import (CampaignActivityRepository, CampaignRepository, ExpenseRepository,
                          marketing_lists)
from marketing.lookup import fetch
from marketing.domain.campaigns import (CAMPAIGN_ACTIONS, next_state, require_open_campaign)
from marketing.schemas import CampaignActivityInput, CampaignInput, ExpenseInput


def normalise_campaign(values: dict) -> dict:
    if values.get("list_ids") is not None:
        values = values | {"list_ids": [str(list_id) for list_id in dict.fromkeys(values["list_ids"])]}
    return values


def check_campaign(repo: CampaignRepository, candidate: dict) -> list[dict]:
    if candidate.get("status"):  # an update (ResourceFlows holds the row locked meanwhile)
        require_open_campaign(candidate, "change the campaign")
    errors = []
    if candidate.get("budget") is not None and not candidate.get("currency"):
        errors.append({"field": "currency", "message": "required when a budget is given"})
    start, end = candidate.get("start_date"), candidate.get("end_date")
    if start and end and end < start:
        errors.append({"field": "end_date", "message": "must not be before start_date"})
    list_ids = candidate.get("list_ids") or []
    found = set(repo.connection.execute(
        select(marketing_lists.c.id).where(marketing_lists.c.id.in_(list_ids))).scalars())
    errors += [{"field": f"list_ids.{index}", "message": f"no marketing list with id {list_id}"}
               for index, list_id in enumerate(list_ids) if list_id not in found]
    return errors


def campaign_delete_blocker(repo: CampaignRepository, campaign: dict) -> str | None:
    if campaign["status"] != "planned":
        return f"Only planned campaigns can be deleted; this one is {campaign['status']} (cancel it instead)."
    return None


def campaign_event_payload(campaign: dict) -> dict:
    return {"campaign_id": campaign["id"], "name": campaign["name"], "type": campaign["type"],
            "status": campaign["status"], "budget": campaign.get("budget"),
            "currency": campaign.get("currency"), "start_date": campaign.get("start_date"),
            "end_date": campaign.get("end_date"), "list_ids": campaign.get("list_ids") or [],
            "owner_id": campaign.get("owner_id"), "version": campaign["version"]}


CAMPAIGNS = Resource(
    label="campaign", event_prefix="Campaign", schema=CampaignInput, repository=CampaignRepository,
    event_payload=campaign_event_payload, check=check_campaign,
    delete_blocker=campaign_delete_blocker, normalise=normalise_campaign,
)


def get_campaign(connection, campaign_id: str, for_update: bool = False) -> dict:
    return fetch(CampaignRepository(connection), campaign_id, "campaign", for_update)


def get_child(repo: Repository, label: str, campaign_id: str, child_id: str,
              for_update: bool = False) -> dict:
    found = fetch(repo, child_id, label, for_update)
    if found["campaign_id"] != valid_id(campaign_id, "campaign"):
        raise NotFound(f"No {label} with id {child_id} in campaign {campaign_id}")
    return found


def page_of(connection, repo_cls: type[Repository], filters: dict, sort: str | None,
            limit: int | None, cursor: str | None) -> dict:
    order = pagination.parse_sort(sort, repo_cls.sort_fields, repo_cls.default_sort)
    items, next_cursor = repo_cls(connection).list(filters, None, order, pagination.check_limit(limit), cursor)
    return {"items": json_safe(items), "next_cursor": next_cursor}


def change_status(db, campaign_id: str, action: str) -> dict:
    with db.unit_of_work() as uow:
        repo = CampaignRepository(uow.connection)
        current = get_campaign(uow.connection, campaign_id, for_update=True)
        status = next_state(CAMPAIGN_ACTIONS, "campaign", action, current["status"])
        record = json_safe(repo.change(current, {"status": status}))
        uow.add_event("CampaignUpdated", campaign_event_payload(record) | {"changed": ["status"]})
        return record


# --- expenses --------------------------------------------------------------------------------

def add_expense(db, campaign_id: str, data: dict, owner_id: str | None) -> dict:
    values = load(ExpenseInput(), data)
    with db.unit_of_work() as uow:
        campaign = get_campaign(uow.connection, campaign_id, for_update=True)
        require_open_campaign(campaign, "record an expense")
        if not campaign["currency"]:
            raise Conflict("The campaign has no currency: set it before recording expenses "
                           "(expenses are in the campaign's currency).")
        values["incurred_on"] = values.get("incurred_on") or datetime.now(timezone.utc).date()
        expense = ExpenseRepository(uow.connection).add(
            values | {"campaign_id": campaign["id"]}, owner_id)
        return json_safe(expense | {"currency": campaign["currency"]})


def list_expenses(db, campaign_id: str, sort=None, limit=None, cursor=None) -> dict:
    with db.reading() as connection:
        campaign = get_campaign(connection, campaign_id)
        page = page_of(connection, ExpenseRepository, {"campaign_id": campaign["id"]}, sort, limit, cursor)
    page["items"] = [item | {"currency": campaign["currency"]} for item in page["items"]]
    return page


def get_expense(db, campaign_id: str, expense_id: str) -> dict:
    with db.reading() as connection:
        campaign = get_campaign(connection, campaign_id)
        expense = get_child(ExpenseRepository(connection), "expense", campaign["id"], expense_id)
    return json_safe(expense | {"currency": campaign["currency"]})


def delete_expense(db, campaign_id: str, expense_id: str) -> None:
    with db.unit_of_work() as uow:
        campaign = get_campaign(uow.connection, campaign_id, for_update=True)
        repo = ExpenseRepository(uow.connection)
        expense = get_child(repo, "expense", campaign["id"], expense_id)
        require_open_campaign(campaign, "remove an expense")
        repo.remove(expense["id"])


# --- planned activities -------------------------------------------------------------------

def add_activity(db, campaign_id: str, data: dict, owner_id: str | None) -> dict:
    values = load(CampaignActivityInput(), data)
    owner = values.pop("owner_id", None) or owner_id
    with db.unit_of_work() as uow:
        campaign = get_campaign(uow.connection, campaign_id, for_update=True)
        require_open_campaign(campaign, "plan an activity")
        activity = CampaignActivityRepository(uow.connection).add(
            values | {"campaign_id": campaign["id"]}, owner)
        return json_safe(activity)


def get_activity(db, campaign_id: str, activity_id: str) -> dict:
    with db.reading() as connection:
        return json_safe(get_child(CampaignActivityRepository(connection), "campaign activity",
                                   campaign_id, activity_id))


def list_activities(db, campaign_id: str, status=None, sort=None, limit=None, cursor=None) -> dict:
    with db.reading() as connection:
        filters = {"campaign_id": get_campaign(connection, campaign_id)["id"]}
        if status:
            filters["status"] = status
        return page_of(connection, CampaignActivityRepository, filters, sort, limit, cursor)


def check_filters(filters: dict | None, allowed: tuple[str, ...]) -> dict:
    filters = {key: value for key, value in (filters or {}).items() if value is not None}
    bad = [{"field": key, "message": "not a filter of this list"} for key in filters if key not in allowed]
    if bad:
        raise ValidationFailed("Invalid filters", bad)
    return filters
