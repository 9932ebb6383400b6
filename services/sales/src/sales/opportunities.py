"""Opportunities (edit while open, win, lose, competitors linked) and competitors."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from crmkit.database import DatabaseAccess
from crmkit.errors import Conflict, NotFound
from crmkit.records import json_safe
from crmkit.resources import Resource, ResourceFlows
from sales.db import (AccountRepository, CompetitorRepository, ContactRepository, LeadRepository,
                      OpportunityRepository, PriceListRepository, QuoteRepository, competitors,
                      opportunity_competitors)
from sales.domain import events
from sales.domain.lifecycle import OPPORTUNITY
from sales.flows import (act, get_or_404, load_input, missing_reference, missing_references, raise_for)
from sales.schemas import CompetitorInput, CompetitorLinkInput, LoseInput, OpportunityInput, WinInput


def check_opportunity(repo: OpportunityRepository, opportunity: dict) -> list[dict]:
    if opportunity.get("id"):
        OPPORTUNITY.next_status(opportunity["status"], "edit")  # a closed deal is history: 409
    errors = missing_references(repo.connection, opportunity, (
        (AccountRepository, "account_id", "account"), (ContactRepository, "contact_id", "contact"),
        (PriceListRepository, "price_list_id", "price list"), (LeadRepository, "originating_lead_id", "lead")))
    if opportunity.get("estimated_value") is not None and not opportunity.get("currency"):
        errors.append({"field": "currency", "message": "required when estimated_value is given"})
    return errors


def opportunity_delete_blocker(repo: OpportunityRepository, opportunity: dict) -> str | None:
    if opportunity["status"] != "open":
        return f"A {opportunity['status']} opportunity is kept as history."
    quotes = QuoteRepository(repo.connection).count_where("opportunity_id", opportunity["id"])
    return f"The opportunity has {quotes} quote(s); close or delete them first." if quotes else None


OPPORTUNITIES = Resource(label="opportunity", event_prefix="Opportunity", schema=OpportunityInput,
                         repository=OpportunityRepository, event_payload=dict,
                         check=check_opportunity, delete_blocker=opportunity_delete_blocker,
                         publish_events=False)


def competitor_delete_blocker(repo: CompetitorRepository, competitor: dict) -> str | None:
    linked = repo.connection.execute(select(opportunity_competitors.c.opportunity_id).where(
        opportunity_competitors.c.competitor_id == competitor["id"]).limit(1)).first()
    return "The competitor is linked to opportunities." if linked else None


COMPETITORS = Resource(label="competitor", event_prefix="Competitor", schema=CompetitorInput,
                       repository=CompetitorRepository, event_payload=dict,
                       delete_blocker=competitor_delete_blocker, publish_events=False)


def opportunity_flows(db: DatabaseAccess):
    return ResourceFlows(db, OPPORTUNITIES)


def competitor_flows(db: DatabaseAccess):
    return ResourceFlows(db, COMPETITORS)


def _today() -> date:
    return datetime.now(timezone.utc).date()


def win(db: DatabaseAccess, opportunity_id: str, data) -> dict:
    values = load_input(WinInput, data)

    def closing(opportunity: dict) -> dict:
        revenue = values.get("actual_revenue")
        revenue = opportunity["estimated_value"] if revenue is None else revenue
        if revenue is not None and not opportunity["currency"]:
            raise_for([{"field": "actual_revenue", "message": "the opportunity has no currency; set one first"}],
                      "win")
        return {"actual_revenue": revenue, "actual_close_date": values.get("close_date") or _today(),
                "close_reason": values.get("reason"), "stage": "close", "probability": 100}

    with db.unit_of_work() as uow:
        _, opportunity = act(uow, OpportunityRepository(uow.connection), opportunity_id, OPPORTUNITY, "win",
                             closing)
        uow.add_event("OpportunityWon", events.opportunity_closed(opportunity))
        return opportunity


def lose(db: DatabaseAccess, opportunity_id: str, data) -> dict:
    values = load_input(LoseInput, data)
    with db.unit_of_work() as uow:
        competitor_id = values.get("competitor_id")
        raise_for(missing_reference(CompetitorRepository(uow.connection), competitor_id, "competitor_id",
                                    "competitor"), "loss")
        _, opportunity = act(uow, OpportunityRepository(uow.connection), opportunity_id, OPPORTUNITY, "lose",
                             lambda current: {"close_reason": values.get("reason"), "competitor_id": competitor_id,
                                              "actual_close_date": values.get("close_date") or _today(),
                                              "probability": 0})
        if competitor_id:
            _link(uow.connection, opportunity["id"], competitor_id)
        uow.add_event("OpportunityLost", events.opportunity_closed(opportunity))
        return opportunity


def _link(connection, opportunity_id: str, competitor_id: str) -> None:
    connection.execute(insert(opportunity_competitors).values(
        opportunity_id=opportunity_id, competitor_id=competitor_id, linked_at=datetime.now(timezone.utc),
    ).on_conflict_do_nothing())


def add_competitor(db: DatabaseAccess, opportunity_id: str, data) -> list[dict]:
    competitor_id = load_input(CompetitorLinkInput, data)["competitor_id"]
    with db.unit_of_work() as uow:
        opportunity = get_or_404(OpportunityRepository(uow.connection), opportunity_id, "opportunity",
                                 for_update=True)
        OPPORTUNITY.next_status(opportunity["status"], "add_competitor")
        raise_for(missing_reference(CompetitorRepository(uow.connection), competitor_id, "competitor_id",
                                    "competitor"), "competitor link")
        _link(uow.connection, opportunity["id"], competitor_id)
        return _competitors_of(uow.connection, opportunity["id"])


def remove_competitor(db: DatabaseAccess, opportunity_id: str, competitor_id: str) -> None:
    with db.unit_of_work() as uow:
        opportunity = get_or_404(OpportunityRepository(uow.connection), opportunity_id, "opportunity",
                                 for_update=True)
        if opportunity["competitor_id"] == competitor_id:
            raise Conflict("The opportunity was lost to this competitor; the link is part of its history.")
        removed = uow.connection.execute(delete(opportunity_competitors).where(
            opportunity_competitors.c.opportunity_id == opportunity["id"],
            opportunity_competitors.c.competitor_id == str(competitor_id))).rowcount
        if not removed:
            raise NotFound(f"Competitor {competitor_id} is not linked to opportunity {opportunity_id}")


def list_competitors(db: DatabaseAccess, opportunity_id: str) -> list[dict]:
    with db.reading() as connection:
        opportunity = get_or_404(OpportunityRepository(connection), opportunity_id, "opportunity")
        return _competitors_of(connection, opportunity["id"])


def _competitors_of(connection, opportunity_id: str) -> list[dict]:
    rows = connection.execute(select(competitors).join(
        opportunity_competitors, opportunity_competitors.c.competitor_id == competitors.c.id).where(
        opportunity_competitors.c.opportunity_id == opportunity_id).order_by(competitors.c.name))
    return json_safe([dict(row) for row in rows.mappings()])
