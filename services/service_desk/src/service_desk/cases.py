"""Cases: open (routed to a queue, SLA deadlines set), change, wait on the customer, resolve
(charging the contract), cancel, reopen; time spent from completed activities; articles."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert

from crmkit.errors import Conflict, ValidationFailed
from crmkit.records import changed_fields, check_version, json_safe, load
from crmkit.resources import Resource, ResourceFlows
from service_desk import contracts, customers, queues, routing, sla
from service_desk.db import (ArticleRepository, CaseRepository, SlaPolicyRepository, case_activities,
                             case_articles, case_pauses, cases, queue_item_history, queue_items)
from service_desk.domain.cases import (IN_PROGRESS, WAITING_ON_CUSTOMER, case_created_payload,
                                       case_resolved_payload, customer_errors, total_time_spent)
from service_desk.domain.states import CASE_ACTIONS, transition
from service_desk.records import get_or_404, now
from service_desk.schemas import CaseChanges, CaseInput, LinkArticleInput, ResolveInput

CASES = Resource(label="case", event_prefix="Case", schema=CaseInput, repository=CaseRepository,
                 event_payload=lambda record: {})


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _raise_for(errors: list[dict]) -> None:
    if errors:
        raise ValidationFailed("Invalid case", errors)


class CaseFlows:
    def __init__(self, db):
        self.db = db

    # --- reading: every case shows its customer's name and where it stands on its SLA ---

    def _shown(self, connection, records: list[dict]) -> list[dict]:
        names = customers.names_for(connection, records)
        policies = {p["id"]: p for p in sla.policies_by_priority(connection).values()}
        pauses = sla.pauses_of(connection, [r["id"] for r in records])
        moment = now()
        return [json_safe(record | {
            "customer_name": names.get(record.get("customer_account_id") or record.get("customer_contact_id")),
            "sla": sla.standing(policies.get(record["sla_policy_id"]), record, pauses[record["id"]], moment),
        }) for record in records]

    def get(self, case_id: str) -> dict:
        with self.db.reading() as connection:
            return self._shown(connection, [get_or_404(CaseRepository(connection), case_id, "case")])[0]

    def list(self, filters, q, sort, limit, cursor, reach=None) -> dict:
        # crmkit's flow validates the parameters and pages; the page's cases are then read
        # again as stored, for their SLA standing and customer names.
        page = ResourceFlows(self.db, CASES).list(filters, q, sort, limit, cursor, reach)
        ids = [item["id"] for item in page["items"]]
        with self.db.reading() as connection:
            stored = {row["id"]: dict(row) for row in connection.execute(
                select(cases).where(cases.c.id.in_(ids))).mappings()} if ids else {}
            page["items"] = self._shown(connection, [stored[i] for i in ids if i in stored])
        return page

    # --- opening and changing ---------------------------------------------------------

    def _check(self, connection, case: dict) -> None:
        errors = customer_errors(case)
        if case.get("contract_id"):
            errors += contracts.check_open_case_allowed(
                connection, case["contract_id"], customers.customer_account_of(connection, case), _today())
        _raise_for(errors)

    def _set_deadlines(self, connection, repo: CaseRepository, case: dict) -> dict:
        policy = SlaPolicyRepository(connection).for_priority(case["priority"])
        pauses = sla.pauses_of(connection, [case["id"]])[case["id"]]
        wanted = sla.deadlines(policy, case, pauses)
        diff = {key: value for key, value in wanted.items() if case.get(key) != value}
        return repo.change(case, diff) if diff else case

    def create(self, data: dict, owner_id: str | None) -> dict:
        values = load(CaseInput(), data)
        with self.db.unit_of_work() as uow:
            connection = uow.connection
            self._check(connection, values)
            repo = CaseRepository(connection)
            case = repo.add(values | {"status": "active", "status_reason": IN_PROGRESS,
                                      "activity_minutes": 0, "time_spent_minutes": 0}, owner_id)
            queue_id = routing.route_new_case(connection, case, owner_id)
            policy = SlaPolicyRepository(connection).for_priority(case["priority"])
            case = repo.change(case, {"queue_id": queue_id, **sla.deadlines(policy, case, [])})
            uow.add_event("CaseCreated", json_safe(case_created_payload(
                case, customers.customer_account_of(connection, case))))
            return self._shown(connection, [case])[0]

    def update(self, case_id: str, changes: dict, expected_version: int | None) -> dict:
        values = load(CaseChanges(), changes, partial=True)
        with self._locked(case_id) as (uow, repo, current):
            connection = uow.connection
            check_version(current["version"], expected_version)
            diff = changed_fields(current, values)
            if not diff:
                return self._shown(connection, [current])[0]
            if current["status"] != "active":
                raise Conflict(f"A {current['status']} case cannot be changed; reopen it first.")
            candidate = current | diff
            if {"customer_account_id", "customer_contact_id", "contract_id"} & set(diff):
                self._check(connection, candidate)
            case = repo.change(current, diff)
            if "priority" in diff:  # another priority, another policy
                case = self._set_deadlines(connection, repo, case)
            return self._shown(connection, [case])[0]

    def delete(self, case_id: str) -> None:
        """Only a cancelled case goes: a resolved one is part of its contract's history."""
        with self._locked(case_id) as (uow, repo, case):
            connection = uow.connection
            if case["status"] != "cancelled":
                raise Conflict(f"A {case['status']} case cannot be deleted; cancel it first.")
            items = select(queue_items.c.id).where(queue_items.c.item_type == "case",
                                                   queue_items.c.item_id == case["id"])
            connection.execute(delete(queue_item_history).where(queue_item_history.c.queue_item_id.in_(items)))
            connection.execute(delete(queue_items).where(queue_items.c.id.in_(items)))
            for table in (case_pauses, case_articles):
                connection.execute(delete(table).where(table.c.case_id == case["id"]))
            connection.execute(delete(case_activities).where(case_activities.c.case_id == case["id"]))
            repo.remove(case["id"])

    # --- the state machine -------------------------------------------------------------

    @contextmanager
    def _locked(self, case_id: str):
        """A unit of work holding the case's row lock: (uow, repository, case)."""
        with self.db.unit_of_work() as uow:
            repo = CaseRepository(uow.connection)
            yield uow, repo, get_or_404(repo, case_id, "case", for_update=True)

    def resolve(self, case_id: str, data: dict, user_id: str | None) -> dict:
        values = load(ResolveInput(), data)
        with self._locked(case_id) as (uow, repo, case):
            connection = uow.connection
            status = transition(CASE_ACTIONS, "case", "resolve", case["status"])
            moment = now()
            self._end_pause(connection, case, moment)
            billable = values.get("billable_minutes") or 0
            case = repo.change(case, {
                "status": status, "status_reason": IN_PROGRESS, "resolution": values["resolution"],
                "billable_minutes": billable, "resolved_at": moment, "stage": "resolve",
                "time_spent_minutes": total_time_spent(case["activity_minutes"], billable)})
            contracts.charge_case(uow, case)
            queues.close_item_of(connection, "case", case["id"], user_id, "case resolved")
            uow.add_event("CaseResolved", json_safe(case_resolved_payload(
                case, customers.customer_account_of(connection, case))))
            return self._shown(connection, [case])[0]

    def cancel(self, case_id: str, user_id: str | None) -> dict:
        with self._locked(case_id) as (uow, repo, case):
            connection = uow.connection
            status = transition(CASE_ACTIONS, "case", "cancel", case["status"])
            moment = now()
            self._end_pause(connection, case, moment)
            case = repo.change(case, {"status": status, "status_reason": IN_PROGRESS, "cancelled_at": moment})
            queues.close_item_of(connection, "case", case["id"], user_id, "case cancelled")
            return self._shown(connection, [case])[0]

    def reopen(self, case_id: str, user_id: str | None) -> dict:
        """Back to active. The time it spent closed pauses its SLA clock; what its contract
        was charged stays charged (a later resolution only adds new time)."""
        with self._locked(case_id) as (uow, repo, case):
            connection = uow.connection
            status = transition(CASE_ACTIONS, "case", "reopen", case["status"])
            closed_at = case["resolved_at"] or case["cancelled_at"]
            moment = now()
            connection.execute(insert(case_pauses).values(case_id=case["id"], started_at=closed_at, ended_at=moment))
            case = repo.change(case, {"status": status, "resolved_at": None, "cancelled_at": None,
                                      "resolution": None, "billable_minutes": None,
                                      "time_spent_minutes": case["activity_minutes"]})
            case = self._set_deadlines(connection, repo, case)
            queues.reopen_item_of(connection, "case", case["id"], user_id)
            return self._shown(connection, [case])[0]

    def wait_on_customer(self, case_id: str) -> dict:
        """The ball is in the customer's court: the SLA clock stops."""
        with self._locked(case_id) as (uow, repo, case):
            connection = uow.connection
            if case["status"] != "active" or case["status_reason"] != IN_PROGRESS:
                raise Conflict(f"Only an active case in progress can wait on the customer; this one is "
                               f"{case['status']} ({case['status_reason']}).")
            connection.execute(insert(case_pauses).values(case_id=case["id"], started_at=now()))
            case = repo.change(case, {"status_reason": WAITING_ON_CUSTOMER})
            return self._shown(connection, [self._set_deadlines(connection, repo, case)])[0]

    def resume(self, case_id: str) -> dict:
        """The customer answered: the clock runs again and the deadlines move by the pause."""
        with self._locked(case_id) as (uow, repo, case):
            connection = uow.connection
            if case["status"] != "active" or case["status_reason"] != WAITING_ON_CUSTOMER:
                raise Conflict("Only a case waiting on the customer can resume.")
            self._end_pause(connection, case, now())
            case = repo.change(case, {"status_reason": IN_PROGRESS})
            return self._shown(connection, [self._set_deadlines(connection, repo, case)])[0]

    def respond(self, case_id: str) -> dict:
        """Record the first response (also recorded by the first completed activity)."""
        with self._locked(case_id) as (uow, repo, case):
            connection = uow.connection
            if case["status"] != "active":
                raise Conflict(f"A {case['status']} case takes no first response.")
            if case["first_responded_at"] is not None:
                raise Conflict("The case had its first response already.")
            return self._shown(connection, [repo.change(case, {"first_responded_at": now()})])[0]

    @staticmethod
    def _end_pause(connection, case: dict, moment: datetime) -> None:
        connection.execute(update(case_pauses).where(case_pauses.c.case_id == case["id"],
                                                     case_pauses.c.ended_at.is_(None)).values(ended_at=moment))

    # --- knowledge articles ------------------------------------------------------------

    def link_article(self, case_id: str, data: dict, user_id: str | None) -> dict:
        article_id = load(LinkArticleInput(), data)["article_id"]
        with self.db.unit_of_work() as uow:
            connection = uow.connection
            case = get_or_404(CaseRepository(connection), case_id, "case")
            article = ArticleRepository(connection).get(article_id)
            if article is None:
                raise ValidationFailed("Invalid link", [{"field": "article_id", "message": f"no article with id {article_id}"}])
            if article["status"] != "published":
                raise Conflict(f"Only a published article can be linked; this one is {article['status']}.")
            inserted = connection.execute(upsert(case_articles).values(
                case_id=case["id"], article_id=article_id, linked_by=user_id, linked_at=now(),
            ).on_conflict_do_nothing().returning(case_articles.c.article_id)).first()
            if inserted is None:
                raise Conflict("The article is linked to this case already.")
        return self.articles(case_id)

    def articles(self, case_id: str) -> dict:
        with self.db.reading() as connection:
            case = get_or_404(CaseRepository(connection), case_id, "case")
            rows = connection.execute(
                select(case_articles.c.article_id, case_articles.c.linked_at, case_articles.c.linked_by)
                .where(case_articles.c.case_id == case["id"]).order_by(case_articles.c.linked_at)).mappings().all()
            titles = {a["id"]: a["title"] for a in (ArticleRepository(connection).get(r["article_id"]) for r in rows)}
        return {"items": json_safe([dict(row) | {"title": titles[row["article_id"]]} for row in rows]),
                "next_cursor": None}

    # --- time spent from the activities service ----------------------------------------

    def on_activity_completed(self, uow, payload: dict) -> None:
        """Count a completed activity's minutes on the case it regards (a repeat completion of
        the same activity replaces its minutes); a late one on a resolved case is charged too."""
        regarding = payload.get("regarding") or {}
        if regarding.get("type") != "case":
            return
        connection = uow.connection
        repo = CaseRepository(connection)
        case = repo.get(regarding["id"], for_update=True)
        if case is None:
            return
        minutes = max(0, int(payload.get("actual_duration_minutes") or 0))
        completed_at = _moment(payload.get("completed_at"))
        row = {"case_id": case["id"], "activity_type": payload.get("type"), "minutes": minutes,
               "completed_at": completed_at, "owner_id": payload.get("owner_id")}
        connection.execute(upsert(case_activities).values(activity_id=payload["activity_id"], **row)
                           .on_conflict_do_update(index_elements=["activity_id"], set_=row))
        total = connection.execute(select(func.coalesce(func.sum(case_activities.c.minutes), 0))
                                   .where(case_activities.c.case_id == case["id"])).scalar()
        changes = {"activity_minutes": total,
                   "time_spent_minutes": total_time_spent(total, case["billable_minutes"])}
        if case["first_responded_at"] is None and case["status"] == "active":
            changes["first_responded_at"] = completed_at or now()
        case = repo.change(case, changes)
        if case["status"] == "resolved":
            contracts.charge_case(uow, case)
