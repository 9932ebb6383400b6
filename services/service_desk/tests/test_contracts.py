"""Contracts: their states, and allotments charged exactly once by resolved cases; time spent
collected from the activities service's ActivityCompleted events."""
import uuid
from datetime import date, timedelta

import pytest

from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.testing.bus import publish_event
from helpers import active_contract, activity_completed, deliver, event, outbox
from service_desk.schemas import EVENT_PAYLOADS

ACCOUNT = str(uuid.uuid4())


def new_case(desk, contract, **fields):
    return desk.rpc.create_case({"title": "Printer offline", "customer_account_id": ACCOUNT,
                                 "contract_id": contract["id"], **fields})


def contract_input(**fields):
    today = date.today()
    return {"name": "Premier support", "customer_account_id": ACCOUNT, "start_date": str(today),
            "end_date": str(today + timedelta(days=90)), "allotment_type": "hours",
            "total_allotment": 600, **fields}


def test_a_contract_starts_as_a_draft_with_its_whole_allotment(desk):
    contract = desk.rpc.create_contract(contract_input())
    assert (contract["status"], contract["total_allotment"], contract["remaining_allotment"]) == ("draft", 600, 600)
    assert desk.sql.scalar("SELECT count(*) FROM outbox") == 0  # no event for a contract's own edits
    changed = desk.rpc.update_contract(contract["id"], {"total_allotment": 1200})
    assert changed["remaining_allotment"] == 1200


def test_invalid_contracts_list_every_bad_field(desk):
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_contract({"allotment_type": "minutes", "total_allotment": -1, "start_date": "someday"})
    assert {e["field"] for e in raised.value.errors} == {"name", "customer_account_id", "start_date", "end_date",
                                                         "allotment_type", "total_allotment"}
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_contract(contract_input(end_date="2020-01-01", total_allotment=None))
    assert {e["field"] for e in raised.value.errors} == {"end_date", "total_allotment"}
    assert desk.sql.scalar("SELECT count(*) FROM contracts") == 0


def test_contract_states_activate_cancel_and_expire(desk):
    contract = desk.rpc.create_contract(contract_input())
    active = desk.rpc.activate_contract(contract["id"])
    assert active["status"] == "active" and active["activated_at"]
    with pytest.raises(Conflict):
        desk.rpc.activate_contract(contract["id"])
    with pytest.raises(Conflict):  # terms are frozen once active
        desk.rpc.update_contract(contract["id"], {"total_allotment": 60})
    assert desk.rpc.update_contract(contract["id"], {"name": "Premier support (renamed)"})["name"].endswith("(renamed)")
    with pytest.raises(Conflict):
        desk.rpc.delete_contract(contract["id"])
    assert desk.rpc.cancel_contract(contract["id"])["status"] == "cancelled"
    for action in (desk.rpc.cancel_contract, desk.rpc.activate_contract):
        with pytest.raises(Conflict):
            action(contract["id"])
    assert desk.rpc.get_contract(contract["id"])["status"] == "cancelled"


def test_an_active_contract_past_its_end_date_is_expired(desk):
    contract = active_contract(desk, ACCOUNT)
    desk.sql.execute("UPDATE contracts SET start_date = current_date - 30, end_date = current_date - 1 "
                     "WHERE id = :c", c=contract["id"])
    assert desk.rpc.get_contract(contract["id"])["status"] == "expired"  # shown at once
    desk.rpc.expire_ended_contracts()  # the timer's job, run now
    assert desk.sql.scalar("SELECT status FROM contracts WHERE id = :c", c=contract["id"]) == "expired"
    with pytest.raises(Conflict):
        desk.rpc.cancel_contract(contract["id"])


def test_a_contract_that_already_ended_cannot_be_activated(desk):
    today = date.today()
    contract = desk.rpc.create_contract(contract_input(start_date=str(today - timedelta(days=30)),
                                                       end_date=str(today - timedelta(days=1))))
    with pytest.raises(Conflict):
        desk.rpc.activate_contract(contract["id"])
    assert desk.rpc.get_contract(contract["id"])["status"] == "draft"


def test_only_drafts_can_be_deleted(desk):
    draft = desk.rpc.create_contract(contract_input())
    desk.rpc.delete_contract(draft["id"])
    with pytest.raises(NotFound):
        desk.rpc.get_contract(draft["id"])


def test_flow_3_time_from_activities_and_billable_minutes_is_deducted_exactly_once(desk):
    contract = active_contract(desk, ACCOUNT, total=600)  # 10 hours
    case = new_case(desk, contract)
    first, second = activity_completed(case["id"], 30), activity_completed(case["id"], 60)
    deliver(desk, first, second)
    publish_event(desk.amqp_uri, first)  # a redelivery of the same event
    deliver(desk, activity_completed(case["id"], 0, activity_id=str(uuid.uuid4())))  # a marker after it
    assert desk.rpc.get_case(case["id"])["time_spent_minutes"] == 90
    resolved = desk.rpc.resolve_case(case["id"], {"resolution": "Replaced the driver", "billable_minutes": 30})
    assert resolved["time_spent_minutes"] == 120
    assert desk.rpc.get_contract(contract["id"])["remaining_allotment"] == 480
    [event] = outbox(desk, "CaseResolved")
    assert (event["payload"]["time_spent_minutes"], event["payload"]["contract_id"]) == (120, contract["id"])
    with pytest.raises(Conflict):
        desk.rpc.resolve_case(case["id"], {"resolution": "Again", "billable_minutes": 30})
    assert desk.rpc.get_contract(contract["id"])["remaining_allotment"] == 480


def test_the_same_activity_completed_again_replaces_its_minutes(desk):
    contract = active_contract(desk, ACCOUNT)
    case = new_case(desk, contract)
    activity = str(uuid.uuid4())
    deliver(desk, activity_completed(case["id"], 45, activity_id=activity))
    deliver(desk, activity_completed(case["id"], 50, activity_id=activity))  # corrected duration
    assert desk.rpc.get_case(case["id"])["time_spent_minutes"] == 50


def test_activities_regarding_other_records_or_unknown_cases_change_nothing(desk):
    contract = active_contract(desk, ACCOUNT)
    case = new_case(desk, contract)
    deliver(desk, event("activities", "ActivityCompleted", regarding={"type": "account", "id": case["id"]}),
            activity_completed(str(uuid.uuid4()), 30))
    assert desk.rpc.get_case(case["id"])["time_spent_minutes"] == 0
    assert desk.sql.scalar("SELECT count(*) FROM case_activities") == 0


def test_a_late_activity_on_a_resolved_case_is_charged_and_a_reopened_case_only_adds_new_time(desk):
    contract = active_contract(desk, ACCOUNT, total=600)
    case = new_case(desk, contract)
    desk.rpc.resolve_case(case["id"], {"resolution": "Quick fix", "billable_minutes": 20})
    deliver(desk, activity_completed(case["id"], 40))  # logged after the resolution
    assert desk.rpc.get_contract(contract["id"])["remaining_allotment"] == 540
    desk.rpc.reopen_case(case["id"])
    desk.rpc.resolve_case(case["id"], {"resolution": "Proper fix", "billable_minutes": 30})  # 40 + 30 in all
    assert desk.rpc.get_contract(contract["id"])["remaining_allotment"] == 530
    assert desk.sql.scalar("SELECT deducted FROM contract_deductions WHERE case_id = :c", c=case["id"]) == 70


def test_reaching_zero_publishes_contract_allotment_exhausted_once(desk):
    contract = active_contract(desk, ACCOUNT, total=60)
    for billable in (45, 30, 10):
        case = new_case(desk, contract)
        desk.rpc.resolve_case(case["id"], {"resolution": "Done", "billable_minutes": billable})
    assert desk.rpc.get_contract(contract["id"])["remaining_allotment"] == -25  # the overrun shows
    [exhausted] = outbox(desk, "ContractAllotmentExhausted")
    assert exhausted["payload"] == {"contract_id": contract["id"], "customer_account_id": ACCOUNT,
                                    "allotment_type": "hours", "owner_id": None}
    assert EVENT_PAYLOADS["ContractAllotmentExhausted"]().validate(exhausted["payload"]) == {}


def test_a_case_allotment_counts_cases_not_minutes(desk):
    contract = active_contract(desk, ACCOUNT, allotment_type="cases", total=2)
    for _ in range(2):
        case = new_case(desk, contract)
        desk.rpc.resolve_case(case["id"], {"resolution": "Done", "billable_minutes": 500})
    assert desk.rpc.get_contract(contract["id"])["remaining_allotment"] == 0
    assert [e["payload"]["allotment_type"] for e in outbox(desk, "ContractAllotmentExhausted")] == ["cases"]
