"""The read model of sales' customers (names, merges) and the customer 360 sections."""
import uuid

from crmkit.errors import NotFound
from helpers import active_contract, activity_completed, deliver, event

import pytest


def test_cases_show_customer_names_from_sales_events_applied_forwards_only(desk):
    created, updated = event("sales", "AccountCreated"), event("sales", "AccountUpdated")
    account = created["payload"]["account_id"]
    case = desk.rpc.create_case({"title": "Invoice question", "customer_account_id": account})
    assert case["customer_name"] is None  # sales has not told us yet
    deliver(desk, updated, created)  # the older event arrives last and changes nothing
    assert desk.rpc.get_case(case["id"])["customer_name"] == "Contoso Group"
    contact = event("sales", "ContactCreated")
    deliver(desk, contact, event("sales", "ContactUpdated"))
    by_contact = desk.rpc.create_case({"title": "Call me", "customer_contact_id": contact["payload"]["contact_id"]})
    assert by_contact["customer_name"] == "Yvonne McKay-Smith"


def test_merges_re_point_cases_and_contracts_to_the_survivor(desk):
    merged_event, contact_merged = event("sales", "AccountMerged"), event("sales", "ContactMerged")
    merged, survivor = merged_event["payload"]["merged_account_id"], merged_event["payload"]["surviving_account_id"]
    old_contact = contact_merged["payload"]["merged_contact_id"]
    contract = active_contract(desk, merged)
    on_account = desk.rpc.create_case({"title": "A", "customer_account_id": merged, "contract_id": contract["id"]})
    on_contact = desk.rpc.create_case({"title": "B", "customer_contact_id": old_contact})
    untouched = desk.rpc.create_case({"title": "C", "customer_account_id": str(uuid.uuid4())})
    deliver(desk, merged_event, contact_merged)
    moved = desk.rpc.get_case(on_account["id"])
    assert moved["customer_account_id"] == survivor and moved["version"] == on_account["version"] + 1
    assert desk.rpc.get_contract(contract["id"])["customer_account_id"] == survivor
    assert desk.rpc.get_case(on_contact["id"])["customer_contact_id"] == contact_merged["payload"]["surviving_contact_id"]
    assert desk.rpc.get_case(untouched["id"]) == untouched


def test_customer_overview_gives_the_service_sections_of_the_360_view(desk):
    contact = event("sales", "ContactCreated")  # a contact of the example account
    deliver(desk, contact)
    account = contact["payload"]["account_id"]
    contract = active_contract(desk, account, total=600)
    open_case = desk.rpc.create_case({"title": "Open", "customer_account_id": account})
    via_contact = desk.rpc.create_case({"title": "Via contact", "customer_contact_id": contact["payload"]["contact_id"],
                                        "contract_id": contract["id"]})
    deliver(desk, activity_completed(via_contact["id"], 25))
    desk.rpc.resolve_case(via_contact["id"], {"resolution": "Done", "billable_minutes": 5})
    desk.rpc.create_case({"title": "Someone else's", "customer_account_id": str(uuid.uuid4())})
    overview = desk.rpc.customer_overview(account)
    assert [c["id"] for c in overview["cases"]["open"]] == [open_case["id"]]
    assert (overview["cases"]["open_count"], overview["cases"]["resolved_count"],
            overview["cases"]["time_spent_minutes"]) == (1, 1, 30)
    [shown] = overview["contracts"]
    assert (shown["id"], shown["status"], shown["remaining_allotment"]) == (contract["id"], "active", 570)
    empty = desk.rpc.customer_overview(str(uuid.uuid4()))
    assert empty["cases"] == {"open": [], "open_count": 0, "resolved_count": 0, "time_spent_minutes": 0}
    with pytest.raises(NotFound):
        desk.rpc.customer_overview("not-an-id")
