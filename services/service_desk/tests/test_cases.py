"""Cases over real RPC, PostgreSQL and RabbitMQ: opening, validation, the state machine."""
import uuid

import pytest

from crmkit.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from helpers import active_contract, outbox
from service_desk.schemas import EVENT_PAYLOADS

ACCOUNT = str(uuid.uuid4())


def new_case(desk, **fields):
    return desk.rpc.create_case({"title": "Cannot sync mailbox", "customer_account_id": ACCOUNT, **fields})


def test_a_new_case_is_active_with_defaults_and_publishes_case_created(desk):
    owner = str(uuid.uuid4())
    case = desk.rpc.create_case({"title": "Cannot sync mailbox", "customer_account_id": ACCOUNT,
                                 "priority": "high", "origin": "phone"}, owner_id=owner)
    assert (case["status"], case["stage"], case["status_reason"]) == ("active", "identify", "in_progress")
    assert case["time_spent_minutes"] == 0 and case["owner_id"] == owner
    assert case["created_at"].endswith("Z")
    assert desk.rpc.get_case(case["id"]) == case
    [event] = outbox(desk, "CaseCreated")
    assert event["payload"]["case_id"] == case["id"]
    assert event["payload"]["customer"] == {"type": "account", "id": ACCOUNT}
    assert (event["payload"]["priority"], event["payload"]["origin"]) == ("high", "phone")
    assert EVENT_PAYLOADS["CaseCreated"]().validate(event["payload"]) == {}


def test_defaults_are_normal_priority_other_origin(desk):
    case = new_case(desk)
    assert (case["priority"], case["origin"]) == ("normal", "other")


def test_an_invalid_case_lists_every_bad_field_and_writes_nothing(desk):
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_case({"priority": "asap", "origin": "pigeon", "stage": "done",
                              "product_id": "nope", "colour": "red"})
    fields = {error["field"] for error in raised.value.errors}
    assert fields == {"title", "priority", "origin", "stage", "product_id", "colour"}
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_case({"title": "Whose?"})
    assert {e["field"] for e in raised.value.errors} == {"customer_account_id", "customer_contact_id"}
    with pytest.raises(ValidationFailed):
        desk.rpc.create_case({"title": "Both", "customer_account_id": ACCOUNT,
                              "customer_contact_id": str(uuid.uuid4())})
    assert desk.sql.scalar("SELECT count(*) FROM cases") == 0
    assert outbox(desk) == []


@pytest.mark.parametrize("case_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_or_malformed_ids_are_not_found(desk, case_id):
    for call in (lambda: desk.rpc.get_case(case_id), lambda: desk.rpc.update_case(case_id, {"title": "x"}),
                 lambda: desk.rpc.resolve_case(case_id, {"resolution": "x"}),
                 lambda: desk.rpc.cancel_case(case_id), lambda: desk.rpc.reopen_case(case_id)):
        with pytest.raises(NotFound):
            call()


def test_resolve_cancel_reopen_follow_the_state_machine(desk):
    case = new_case(desk)
    resolved = desk.rpc.resolve_case(case["id"], {"resolution": "Reset the profile", "billable_minutes": 15})
    assert (resolved["status"], resolved["resolution"], resolved["time_spent_minutes"]) == ("resolved", "Reset the profile", 15)
    assert resolved["resolved_at"] and resolved["stage"] == "resolve"
    [event] = outbox(desk, "CaseResolved")
    assert event["payload"]["time_spent_minutes"] == 15
    assert EVENT_PAYLOADS["CaseResolved"]().validate(event["payload"]) == {}

    reopened = desk.rpc.reopen_case(case["id"])
    assert (reopened["status"], reopened["resolved_at"], reopened["resolution"]) == ("active", None, None)
    cancelled = desk.rpc.cancel_case(case["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    assert desk.rpc.reopen_case(case["id"])["status"] == "active"


def test_every_action_in_a_wrong_state_is_a_conflict_that_changes_nothing(desk):
    case = new_case(desk)
    with pytest.raises(Conflict):
        desk.rpc.reopen_case(case["id"])
    with pytest.raises(Conflict):
        desk.rpc.resume_case(case["id"])
    resolved = desk.rpc.resolve_case(case["id"], {"resolution": "Done"})
    events = len(outbox(desk))
    for call in (lambda: desk.rpc.resolve_case(case["id"], {"resolution": "Again", "billable_minutes": 60}),
                 lambda: desk.rpc.cancel_case(case["id"]),
                 lambda: desk.rpc.update_case(case["id"], {"title": "Renamed"}),
                 lambda: desk.rpc.wait_on_customer(case["id"]),
                 lambda: desk.rpc.record_first_response(case["id"]),
                 lambda: desk.rpc.delete_case(case["id"])):
        with pytest.raises(Conflict):
            call()
    assert desk.rpc.get_case(case["id"]) == resolved
    assert len(outbox(desk)) == events


def test_patch_changes_fields_of_an_active_case_and_checks_versions(desk):
    case = new_case(desk)
    changed = desk.rpc.update_case(case["id"], {"stage": "research", "title": "Mailbox sync fails"},
                                   expected_version=case["version"])
    assert (changed["stage"], changed["title"], changed["version"]) == ("research", "Mailbox sync fails", case["version"] + 1)
    with pytest.raises(PreconditionFailed):
        desk.rpc.update_case(case["id"], {"stage": "resolve"}, expected_version=case["version"])
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.update_case(case["id"], {"customer_account_id": None})
    assert {e["field"] for e in raised.value.errors} == {"customer_account_id", "customer_contact_id"}
    with pytest.raises(ValidationFailed):
        desk.rpc.update_case(case["id"], {"title": None})


def test_waiting_on_the_customer_and_resuming(desk):
    case = new_case(desk)
    waiting = desk.rpc.wait_on_customer(case["id"])
    assert waiting["status_reason"] == "waiting_on_customer"
    with pytest.raises(Conflict):
        desk.rpc.wait_on_customer(case["id"])
    assert desk.rpc.resume_case(case["id"])["status_reason"] == "in_progress"
    [pause] = desk.sql.rows("SELECT started_at, ended_at FROM case_pauses WHERE case_id = :c", c=case["id"])
    assert pause["ended_at"] >= pause["started_at"]


def test_a_first_response_is_recorded_once(desk):
    case = new_case(desk)
    assert desk.rpc.record_first_response(case["id"])["first_responded_at"]
    with pytest.raises(Conflict):
        desk.rpc.record_first_response(case["id"])


def test_only_a_cancelled_case_can_be_deleted(desk):
    case = new_case(desk)
    with pytest.raises(Conflict):
        desk.rpc.delete_case(case["id"])
    desk.rpc.cancel_case(case["id"])
    desk.rpc.delete_case(case["id"])
    with pytest.raises(NotFound):
        desk.rpc.get_case(case["id"])


def test_cases_open_only_on_an_active_contract_of_their_customer(desk):
    contract = active_contract(desk, ACCOUNT)
    case = new_case(desk, contract_id=contract["id"])
    assert case["contract_id"] == contract["id"]
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_case({"title": "Other customer", "customer_account_id": str(uuid.uuid4()),
                              "contract_id": contract["id"]})
    assert [e["field"] for e in raised.value.errors] == ["contract_id"]
    with pytest.raises(ValidationFailed):
        new_case(desk, contract_id=str(uuid.uuid4()))
    desk.rpc.cancel_contract(contract["id"])
    before = desk.sql.scalar("SELECT count(*) FROM cases")
    with pytest.raises(Conflict):
        new_case(desk, contract_id=contract["id"])
    desk.sql.execute("UPDATE contracts SET status = 'active', end_date = current_date - 1, "
                     "start_date = current_date - 30 WHERE id = :c", c=contract["id"])
    with pytest.raises(Conflict) as raised:
        new_case(desk, contract_id=contract["id"])
    assert "expired" in str(raised.value)
    assert desk.sql.scalar("SELECT count(*) FROM cases") == before


def test_lists_filter_and_page(desk):
    for n in range(5):
        new_case(desk, title=f"Case {n}", priority="urgent" if n % 2 else "low")
    urgent = desk.rpc.list_cases(filters={"priority": "urgent"})["items"]
    assert sorted(c["title"] for c in urgent) == ["Case 1", "Case 3"]
    page = desk.rpc.list_cases(sort="title", limit=2)
    assert [c["title"] for c in page["items"]] == ["Case 0", "Case 1"] and page["next_cursor"]
    assert "sla" in page["items"][0] and "customer_name" in page["items"][0]
    with pytest.raises(ValidationFailed):
        desk.rpc.list_cases(filters={"colour": "red"})
