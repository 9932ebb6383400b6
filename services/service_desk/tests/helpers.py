"""Shared steps of the service desk's service tests (no fixtures here: see conftest)."""
import copy
import uuid
from datetime import date, timedelta

from crmkit.testing.bus import publish_event
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until


def outbox(desk, event_type=None):
    rows = desk.sql.rows("SELECT event_type, envelope FROM outbox ORDER BY id")
    return [row["envelope"] for row in rows if event_type in (None, row["event_type"])]


def active_contract(desk, account_id, allotment_type="hours", total=600, **fields):
    today = date.today()
    contract = desk.rpc.create_contract({
        "name": "Support 2026", "customer_account_id": account_id, "start_date": str(today - timedelta(days=1)),
        "end_date": str(today + timedelta(days=365)), "allotment_type": allotment_type,
        "total_allotment": total, **fields})
    return desk.rpc.activate_contract(contract["id"])


def event(producer, event_type, **payload_changes):
    """The producer's example message with a fresh event id and the given payload fields."""
    example = copy.deepcopy(example_event(producer, event_type))
    example["event_id"] = str(uuid.uuid4())
    example["payload"].update(payload_changes)
    return example


def handled(desk, envelope) -> bool:
    return bool(desk.sql.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=envelope["event_id"]))


def deliver(desk, *envelopes):
    """Publish each envelope as its producer would and wait until the service handled it."""
    for envelope in envelopes:
        publish_event(desk.amqp_uri, envelope)
    for envelope in envelopes:
        wait_until(lambda: handled(desk, envelope), timeout=30, message=f"{envelope['event_type']} handled")


def activity_completed(case_id, minutes, activity_id=None, **changes):
    return event("activities", "ActivityCompleted", activity_id=activity_id or str(uuid.uuid4()),
                 regarding={"type": "case", "id": case_id}, actual_duration_minutes=minutes, **changes)
