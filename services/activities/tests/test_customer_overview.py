"""The activities section of the customer 360 view: activities regarding the account or any
record known (from events) to belong to it."""
import uuid

from helpers import deliver, event

ACCOUNT = "8c3e4c8e-6a1b-4b6e-9d2f-3e5a7c9b1d01"
CONTACT = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c01"
CASE = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e01"
ORDER = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c01"


def test_counts_recent_and_time_spent_cover_the_account_and_its_records(activities):
    deliver(activities, event("sales", "AccountCreated"), event("sales", "ContactCreated"),
            event("service_desk", "CaseCreated"), event("sales", "QuoteAccepted"))
    rpc = activities.rpc

    def make(kind, subject, record_type, record_id, **fields):
        return rpc.create_activity({"type": kind, "subject": subject,
                                    "regarding": {"type": record_type, "id": record_id}} | fields)

    call = make("phone_call", "Intro call", "account", ACCOUNT)
    rpc.complete_activity(call["id"], {"actual_duration_minutes": 30})
    email = make("email", "Proposal", "contact", CONTACT)
    rpc.complete_activity(email["id"], {"actual_duration_minutes": 15})
    make("task", "Check logs", "case", CASE)
    make("task", "Plan delivery", "order", ORDER)
    cancelled = make("phone_call", "Missed", "account", ACCOUNT, duration_minutes=10)
    rpc.cancel_activity(cancelled["id"])
    make("task", "Another customer", "account", str(uuid.uuid4()))

    overview = rpc.customer_overview(ACCOUNT)
    assert overview["counts_by_type"] == {"email": 1, "phone_call": 2, "task": 2}
    assert overview["counts_by_status"] == {"open": 2, "completed": 2, "cancelled": 1}
    assert overview["time_spent_minutes"] == 45
    assert [a["subject"] for a in overview["recent"]] == ["Missed", "Plan delivery", "Check logs", "Proposal", "Intro call"]
    assert overview["recent"][3]["regarding"]["label"] == "Yvonne McKay"
    empty = rpc.customer_overview(str(uuid.uuid4()))
    assert (empty["counts_by_type"], empty["recent"], empty["time_spent_minutes"]) == ({}, [], 0)
