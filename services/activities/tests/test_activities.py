"""Activities over real RPC, PostgreSQL and RabbitMQ: records, validation, the lifecycle and
timelines."""
import uuid

import pytest

from crmkit.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from helpers import bad_fields, outbox, valid_payloads

CASE = {"type": "case", "id": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e01"}


def call(**fields):
    return {"type": "phone_call", "subject": "Walked the customer through the settings", "regarding": CASE,
            "parties": [{"role": "to", "type": "contact", "id": "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c01"}]} | fields


def test_creating_an_activity_stores_it_with_defaults_and_records_activity_created(activities):
    owner = str(uuid.uuid4())
    activity = activities.rpc.create_activity(call(scheduled_start="2026-11-24T10:30:00+01:00",
                                                   scheduled_end="2026-11-24T11:05:00+01:00"), owner_id=owner)
    assert (activity["status"], activity["priority"], activity["direction"]) == ("open", "normal", "outgoing")
    assert activity["duration_minutes"] == 35
    assert activity["scheduled_start"] == "2026-11-24T09:30:00Z"  # stored and returned in UTC
    assert activity["owner_id"] == owner and activity["version"] == 1
    assert activity["regarding"] == CASE | {"label": None}
    assert activity["parties"][0]["role"] == "to"
    assert activities.rpc.get_activity(activity["id"]) == activity
    [event] = outbox(activities, "ActivityCreated")
    assert event["payload"]["activity_id"] == activity["id"] and event["payload"]["regarding"] == CASE
    assert valid_payloads(activities)


def test_the_body_may_assign_the_activity_to_another_owner(activities):
    assignee = str(uuid.uuid4())
    activity = activities.rpc.create_activity(call(owner_id=assignee), owner_id=str(uuid.uuid4()))
    assert activity["owner_id"] == assignee


def test_an_invalid_activity_lists_every_bad_field_and_writes_nothing(activities):
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity({"type": "Phone Call", "priority": "urgent", "direction": "sideways",
                                        "regarding": {"type": "account", "id": "nope"},
                                        "parties": [{"role": "boss", "type": "contact", "id": str(uuid.uuid4())}],
                                        "scheduled_start": "2026-11-24T10:30:00", "duration_minutes": -5,
                                        "status": "completed"})
    assert bad_fields(raised) == {"type", "subject", "priority", "direction", "regarding.id", "parties.0.role",
                                  "scheduled_start", "duration_minutes", "status"}
    assert activities.sql.scalar("SELECT count(*) FROM activities") == 0
    assert outbox(activities) == []


def test_rules_of_the_kind_are_checked_together(activities):
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity({"type": "appointment", "subject": "Demo", "direction": "incoming",
                                        "recurrence": {"rrule": "FREQ=DAILY"}})
    assert bad_fields(raised) == {"scheduled_start", "scheduled_end", "direction", "recurrence"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity({"type": "meeting_of_minds", "subject": "x"})
    assert bad_fields(raised) == {"type"}


def test_complete_publishes_activity_completed_once_and_closed_activities_are_final(activities):
    activity = activities.rpc.create_activity(call(duration_minutes=30), owner_id=str(uuid.uuid4()))
    done = activities.rpc.complete_activity(activity["id"], {"actual_duration_minutes": 35})
    assert (done["status"], done["actual_duration_minutes"], done["version"]) == ("completed", 35, 2)
    assert done["completed_at"].endswith("Z")
    [event] = outbox(activities, "ActivityCompleted")
    assert event["payload"] == {
        "activity_id": activity["id"], "type": "phone_call", "subject": activity["subject"], "regarding": CASE,
        "actual_duration_minutes": 35, "owner_id": activity["owner_id"], "completed_at": done["completed_at"],
        "campaign_activity_id": None}
    with pytest.raises(Conflict):
        activities.rpc.complete_activity(activity["id"])
    with pytest.raises(Conflict):
        activities.rpc.cancel_activity(activity["id"])
    with pytest.raises(Conflict):
        activities.rpc.update_activity(activity["id"], {"subject": "Rewriting history"})
    assert activities.rpc.get_activity(activity["id"]) == done
    assert len(outbox(activities, "ActivityCompleted")) == 1
    assert valid_payloads(activities)


def test_completing_without_a_figure_takes_the_planned_duration(activities):
    activity = activities.rpc.create_activity(call(duration_minutes=20))
    assert activities.rpc.complete_activity(activity["id"])["actual_duration_minutes"] == 20


def test_cancel_records_the_reason_and_activity_cancelled(activities):
    activity = activities.rpc.create_activity(call())
    cancelled = activities.rpc.cancel_activity(activity["id"], {"reason": "customer called first"})
    assert (cancelled["status"], cancelled["status_reason"]) == ("cancelled", "customer called first")
    [event] = outbox(activities, "ActivityCancelled")
    assert event["payload"]["reason"] == "customer called first"
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.complete_activity(activity["id"], {"actual_duration_minutes": "soon"})
    assert bad_fields(raised) == {"actual_duration_minutes"}


@pytest.mark.parametrize("activity_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_or_malformed_ids_are_not_found(activities, activity_id):
    for method in (activities.rpc.get_activity, activities.rpc.complete_activity, activities.rpc.cancel_activity,
                   activities.rpc.delete_activity):
        with pytest.raises(NotFound):
            method(activity_id)


def test_update_checks_the_merged_record_keeps_the_type_and_refuses_stale_versions(activities):
    activity = activities.rpc.create_activity(call())
    updated = activities.rpc.update_activity(activity["id"], {"priority": "high", "subject": "Call back"},
                                             expected_version=1)
    assert (updated["priority"], updated["version"]) == ("high", 2)
    [event] = outbox(activities, "ActivityUpdated")
    assert event["payload"]["changed"] == ["priority", "subject"]
    with pytest.raises(PreconditionFailed):
        activities.rpc.update_activity(activity["id"], {"subject": "Late"}, expected_version=1)
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.update_activity(activity["id"], {"type": "email", "scheduled_start": "2026-01-02T00:00:00Z",
                                                        "scheduled_end": "2026-01-01T00:00:00Z"})
    assert bad_fields(raised) == {"type", "scheduled_end"}
    assert activities.rpc.get_activity(activity["id"])["subject"] == "Call back"


def test_delete_removes_the_activity_and_records_activity_deleted(activities):
    activity = activities.rpc.create_activity(call())
    activities.rpc.delete_activity(activity["id"])
    with pytest.raises(NotFound):
        activities.rpc.get_activity(activity["id"])
    assert [e["payload"] for e in outbox(activities, "ActivityDeleted")] == [{"activity_id": activity["id"]}]


def test_a_records_timeline_is_newest_first_paginated_and_filtered_by_type_and_status(activities):
    case = {"type": "case", "id": str(uuid.uuid4())}
    made = []
    for n in range(7):
        kind = "task" if n % 2 else "phone_call"
        made.append(activities.rpc.create_activity(call(type=kind, subject=f"Step {n}", regarding=case)))
    activities.rpc.create_activity(call(subject="Another case"))
    activities.rpc.complete_activity(made[1]["id"])
    timeline = {"regarding_type": "case", "regarding_id": case["id"]}
    seen, cursor = [], None
    while True:
        page = activities.rpc.list_activities(filters=timeline, limit=3, cursor=cursor)
        assert len(page["items"]) <= 3
        seen += [a["subject"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Step {n}" for n in reversed(range(7))]
    tasks = activities.rpc.list_activities(filters=timeline | {"type": "task"})["items"]
    assert [a["subject"] for a in tasks] == ["Step 5", "Step 3", "Step 1"]
    done = activities.rpc.list_activities(filters=timeline | {"status": "completed"})["items"]
    assert [a["subject"] for a in done] == ["Step 1"]
    open_tasks = activities.rpc.list_activities(filters=timeline | {"type": "task", "status": "open"})["items"]
    assert [a["subject"] for a in open_tasks] == ["Step 5", "Step 3"]


def test_bad_timeline_parameters_are_validation_errors(activities):
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.list_activities(filters={"colour": "red", "regarding_id": "nope"})
    assert bad_fields(raised) == {"colour", "regarding_id"}
    with pytest.raises(ValidationFailed):
        activities.rpc.list_activities(sort="subject")
    with pytest.raises(ValidationFailed):
        activities.rpc.list_activities(cursor="garbage")
