"""Contracts: the record, its state machine, and the allotment a resolved case uses up."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from crmkit.errors import Conflict
from crmkit.records import json_safe
from crmkit.resources import Resource
from service_desk.db import ContractRepository, contract_deductions, contracts
from service_desk.domain.contracts import (charge_for_case, contract_payload, contract_rule_errors,
                                           effective_status, exhausts, has_ended, still_to_deduct)
from service_desk.domain.states import CONTRACT_ACTIONS, transition
from service_desk.records import both, editable_only_while, get_or_404, now
from service_desk.schemas import ContractInput


def _with_remaining(values: dict) -> dict:
    """A contract starts with all of its allotment left (terms change only in draft)."""
    if "total_allotment" in values:
        values = values | {"remaining_allotment": values["total_allotment"]}
    if values.get("allotment_type") == "none":
        values = values | {"total_allotment": None, "remaining_allotment": None}
    return values


CONTRACTS = Resource(
    label="contract", event_prefix="Contract", schema=ContractInput, repository=ContractRepository,
    event_payload=lambda record: {},
    check=both(editable_only_while({"draft"}, {"name", "description"}, "contract"),
               lambda repo, record: contract_rule_errors(record)),
    normalise=_with_remaining,
    delete_blocker=lambda repo, record: (
        None if record["status"] == "draft" else
        f"A {record['status']} contract is kept for its history; only a draft can be deleted."),
)


def shown(contract: dict, today: date) -> dict:
    """The contract as callers see it: expired as soon as its end date has passed."""
    end = contract["end_date"]
    end = date.fromisoformat(end) if isinstance(end, str) else end
    return json_safe(contract | {"status": effective_status(contract | {"end_date": end}, today)})


def shown_page(page: dict, today: date) -> dict:
    return page | {"items": [shown(item, today) for item in page["items"]]}


def act(db, contract_id: str, action: str, today: date) -> dict:
    """activate / cancel a contract, refusing (409) a wrong state."""
    with db.unit_of_work() as uow:
        repo = ContractRepository(uow.connection)
        contract = get_or_404(repo, contract_id, "contract", for_update=True)
        status = effective_status(contract, today)
        target = transition(CONTRACT_ACTIONS, "contract", action, status)
        if action == "activate" and has_ended(contract, today):
            raise Conflict(f"The contract ended on {contract['end_date']}; it cannot be activated.")
        stamp = {"activate": "activated_at", "cancel": "cancelled_at"}[action]
        return shown(repo.change(contract, {"status": target, stamp: now()}), today)


def expire_ended(db, today: date) -> int:
    """Mark active contracts past their end date expired; returns how many."""
    with db.unit_of_work() as uow:
        result = uow.connection.execute(
            update(contracts).where(contracts.c.status == "active", contracts.c.end_date < today)
            .values(status="expired", expired_at=now(), updated_at=now(), version=contracts.c.version + 1))
        return result.rowcount


def check_open_case_allowed(connection, contract_id: str, customer_account_id: str | None,
                            today: date) -> list[dict]:
    """A case may be opened only on an active contract (409 otherwise) of its own customer."""
    contract = ContractRepository(connection).get(contract_id)
    if contract is None:
        return [{"field": "contract_id", "message": f"no contract with id {contract_id}"}]
    status = effective_status(contract, today)
    if status != "active":
        raise Conflict(f"The contract is {status}; cases can be opened only on an active contract.")
    if customer_account_id and contract["customer_account_id"] != customer_account_id:
        return [{"field": "contract_id", "message": "the contract belongs to another customer account"}]
    return []


def charge_case(uow, case: dict) -> int:
    """Deduct what the case costs its contract, minus what it was already charged: exactly
    once however often the case is resolved or its time corrected. Publishes
    ContractAllotmentExhausted for the deduction that reaches zero. Returns the deduction."""
    if not case.get("contract_id"):
        return 0
    connection = uow.connection
    contract = ContractRepository(connection).get(case["contract_id"], for_update=True)
    charge = charge_for_case(contract["allotment_type"], case["time_spent_minutes"])
    already = connection.execute(select(contract_deductions.c.deducted)
                                 .where(contract_deductions.c.case_id == case["id"])).scalar() or 0
    amount = still_to_deduct(charge, already)
    if amount == 0:
        return 0
    connection.execute(insert(contract_deductions).values(
        case_id=case["id"], contract_id=contract["id"], deducted=already + amount, updated_at=now(),
    ).on_conflict_do_update(index_elements=["case_id"],
                            set_={"deducted": already + amount, "updated_at": now()}))
    before = contract["remaining_allotment"]
    changes = {"remaining_allotment": before - amount}
    if exhausts(before, before - amount):
        changes["exhausted_at"] = now()
        uow.add_event("ContractAllotmentExhausted", json_safe(contract_payload(contract)))
    ContractRepository(connection).change(contract, changes)
    return amount
