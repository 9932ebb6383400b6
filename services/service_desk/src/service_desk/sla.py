"""SLA policies (one per priority) and where each case stands against them."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from crmkit.resources import Resource
from service_desk.db import SlaPolicyRepository, case_pauses, sla_policies
from service_desk.domain.sla import BusinessCalendar, deadline, deadline_status
from service_desk.schemas import SlaPolicyInput


def _policy_rules(repo, policy: dict) -> list[dict]:
    errors = []
    start, end = policy.get("day_start"), policy.get("day_end")
    if start is not None and end is not None and time(0) < _time(end) <= _time(start):
        errors.append({"field": "day_end", "message": "must be after day_start (00:00 means midnight)"})
    if not policy.get("working_days"):
        errors.append({"field": "working_days", "message": "at least one working day is needed"})
    if policy.get("priority"):
        other = repo.for_priority(policy["priority"])
        if other is not None and other["id"] != policy.get("id"):
            errors.append({"field": "priority", "message": f"the {policy['priority']} priority already has "
                                                           f"a policy ({other['name']})"})
    return errors


def _normalise(values: dict) -> dict:
    if "working_days" in values:
        values = values | {"working_days": sorted(set(values["working_days"]))}
    if "holidays" in values:
        values = values | {"holidays": sorted(set(values["holidays"]))}
    return values


SLA_POLICIES = Resource(
    label="SLA policy", event_prefix="SlaPolicy", schema=SlaPolicyInput, repository=SlaPolicyRepository,
    event_payload=lambda record: {}, check=_policy_rules, normalise=_normalise,
)


def _time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def calendar_of(policy: dict) -> BusinessCalendar:
    return BusinessCalendar(time_zone=policy["time_zone"], working_days=frozenset(policy["working_days"]),
                            day_start=_time(policy["day_start"]), day_end=_time(policy["day_end"]),
                            holidays=frozenset(policy["holidays"]))


def policies_by_priority(connection) -> dict[str, dict]:
    return {row["priority"]: dict(row) for row in connection.execute(select(sla_policies)).mappings()}


def pauses_of(connection, case_ids: list[str]) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        rows = connection.execute(select(case_pauses).where(case_pauses.c.case_id.in_(case_ids))
                                  .order_by(case_pauses.c.id))
        for row in rows.mappings():
            found[row["case_id"]].append((row["started_at"], row["ended_at"]))
    return found


def deadlines(policy: dict | None, case: dict, pauses: list[tuple]) -> dict:
    """first_response_by and resolve_by from the case's opening, the policy and its pauses
    (None without a policy, or while an open pause stops the clock)."""
    if policy is None:
        return {"first_response_by": None, "resolve_by": None, "sla_policy_id": None}
    calendar = calendar_of(policy)
    return {"first_response_by": deadline(calendar, case["created_at"], policy["first_response_minutes"], pauses),
            "resolve_by": deadline(calendar, case["created_at"], policy["resolve_minutes"], pauses),
            "sla_policy_id": policy["id"]}


def standing(policy: dict | None, case: dict, pauses: list[tuple], now: datetime) -> dict | None:
    """{"first_response": status, "resolve": status}: met, on_track, at_risk, missed, paused."""
    if policy is None:
        return None
    calendar, opened = calendar_of(policy), case["created_at"]
    done = case.get("resolved_at") or case.get("cancelled_at")
    return {
        "first_response": deadline_status(calendar, opened, policy["first_response_minutes"], pauses,
                                          case.get("first_responded_at") or done, now, policy["warn_percent"]),
        "resolve": deadline_status(calendar, opened, policy["resolve_minutes"], pauses,
                                   done, now, policy["warn_percent"]),
    }
