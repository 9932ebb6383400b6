"""SLA policies applied to real cases: deadlines stored at opening, moved by pauses and by a
change of priority, and each deadline's standing shown with the case."""
import uuid
from datetime import datetime, timedelta

import pytest

from crmkit.errors import ValidationFailed

ACCOUNT = str(uuid.uuid4())
# Every day, midnight to midnight: the clock always runs, so the deadlines of a case opened
# now are predictable with a real clock.
ROUND_THE_CLOCK = {"time_zone": "UTC", "working_days": [0, 1, 2, 3, 4, 5, 6], "day_start": "00:00",
                   "day_end": "00:00"}


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_case_gets_its_prioritys_deadlines_and_standing(desk):
    desk.rpc.create_sla_policy({"name": "High", "priority": "high", "first_response_minutes": 60,
                                "resolve_minutes": 240, **ROUND_THE_CLOCK})
    case = desk.rpc.create_case({"title": "Down", "customer_account_id": ACCOUNT, "priority": "high"})
    opened = at(case["created_at"])
    assert at(case["first_response_by"]) - opened == timedelta(minutes=60)
    assert at(case["resolve_by"]) - opened == timedelta(minutes=240)
    assert case["sla"] == {"first_response": "on_track", "resolve": "on_track"}
    responded = desk.rpc.record_first_response(case["id"])
    assert responded["sla"]["first_response"] == "met"


def test_no_policy_for_the_priority_means_no_deadlines(desk):
    case = desk.rpc.create_case({"title": "Question", "customer_account_id": ACCOUNT, "priority": "low"})
    assert (case["first_response_by"], case["resolve_by"], case["sla"]) == (None, None, None)


def test_waiting_on_the_customer_pauses_the_clock_and_moves_the_deadline(desk):
    desk.rpc.create_sla_policy({"name": "Normal", "priority": "normal", "first_response_minutes": 120,
                                "resolve_minutes": 480, **ROUND_THE_CLOCK})
    case = desk.rpc.create_case({"title": "Slow", "customer_account_id": ACCOUNT})
    waiting = desk.rpc.wait_on_customer(case["id"])
    assert waiting["resolve_by"] is None  # nobody knows when the customer answers
    assert waiting["sla"] == {"first_response": "paused", "resolve": "paused"}
    resumed = desk.rpc.resume_case(case["id"])
    [pause] = desk.sql.rows("SELECT started_at, ended_at FROM case_pauses WHERE case_id = :c", c=case["id"])
    assert at(resumed["resolve_by"]) - at(case["resolve_by"]) == pause["ended_at"] - pause["started_at"]
    assert resumed["sla"]["resolve"] == "on_track"


def test_deadlines_become_at_risk_then_missed(desk):
    desk.rpc.create_sla_policy({"name": "Urgent", "priority": "urgent", "first_response_minutes": 15,
                                "resolve_minutes": 60, "warn_percent": 75, **ROUND_THE_CLOCK})
    case = desk.rpc.create_case({"title": "Fire", "customer_account_id": ACCOUNT, "priority": "urgent"})
    # As far as the clock is concerned, the case was opened 50 minutes ago, then two hours ago.
    desk.sql.execute("UPDATE cases SET created_at = created_at - interval '50 minutes' WHERE id = :c", c=case["id"])
    assert desk.rpc.get_case(case["id"])["sla"] == {"first_response": "missed", "resolve": "at_risk"}
    desk.sql.execute("UPDATE cases SET created_at = created_at - interval '70 minutes' WHERE id = :c", c=case["id"])
    assert desk.rpc.get_case(case["id"])["sla"] == {"first_response": "missed", "resolve": "missed"}


def test_changing_the_priority_applies_the_other_policy(desk):
    for priority, minutes in (("normal", 480), ("urgent", 60)):
        desk.rpc.create_sla_policy({"name": priority, "priority": priority, "first_response_minutes": 15,
                                    "resolve_minutes": minutes, **ROUND_THE_CLOCK})
    case = desk.rpc.create_case({"title": "Escalate me", "customer_account_id": ACCOUNT})
    urgent = desk.rpc.update_case(case["id"], {"priority": "urgent"})
    assert at(urgent["resolve_by"]) - at(case["created_at"]) == timedelta(minutes=60)


def test_policies_are_validated(desk):
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_sla_policy({"name": "Bad", "priority": "high", "first_response_minutes": 0,
                                    "resolve_minutes": "soon", "time_zone": "Mars/Olympus",
                                    "working_days": [7], "holidays": ["someday"]})
    assert {e["field"] for e in raised.value.errors} == {"first_response_minutes", "resolve_minutes", "time_zone",
                                                         "working_days.0", "holidays.0"}
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_sla_policy({"name": "Inverted", "priority": "high", "first_response_minutes": 5,
                                    "resolve_minutes": 5, "day_start": "17:00", "day_end": "09:00"})
    assert [e["field"] for e in raised.value.errors] == ["day_end"]
    desk.rpc.create_sla_policy({"name": "High", "priority": "high", "first_response_minutes": 5, "resolve_minutes": 5})
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_sla_policy({"name": "High again", "priority": "high", "first_response_minutes": 5,
                                    "resolve_minutes": 5})
    assert [e["field"] for e in raised.value.errors] == ["priority"]
    [policy] = desk.rpc.list_sla_policies()["items"]
    assert (policy["day_start"], policy["day_end"], policy["working_days"]) == ("09:00", "17:00", [0, 1, 2, 3, 4])


def test_working_hours_with_a_utc_offset_are_refused_not_a_crash(desk):
    """Found by API fuzzing: "00:55:31+06:44" reached the naive/aware comparison (502)."""
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_sla_policy({"name": "Offset", "priority": "low", "first_response_minutes": 5,
                                    "resolve_minutes": 5, "day_start": "08:00+02:00", "day_end": "00:55:31+06:44"})
    assert {e["field"] for e in raised.value.errors} == {"day_start", "day_end"}
    assert not [p for p in desk.rpc.list_sla_policies()["items"] if p["name"] == "Offset"]
