"""Activities as a resource (create/read/update/delete/timeline lists through crmkit's flows)
plus their actions: complete, cancel, series exceptions and occurrence expansion."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crmkit.database import DatabaseAccess
from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.records import json_safe, load, valid_id
from crmkit.resources import Resource
from activities.db import ActivityRepository, ActivityTypeRepository
from activities.domain import kinds, lifecycle
from activities.domain.custom_fields import value_errors
from activities.domain.recurrence import RecurrenceError, Series, parse_moment, single
from activities.schemas import ActivityInput, CancelInput, CompleteInput, ExceptionInput, WindowInput

MAX_WINDOW = timedelta(days=400)


def _regarding(activity: dict) -> dict | None:
    regarding = activity.get("regarding")
    return {"type": regarding["type"], "id": regarding["id"]} if regarding else None


def activity_event_payload(activity: dict) -> dict:
    return {"activity_id": activity["id"], "type": activity["type"], "subject": activity["subject"],
            "status": activity["status"], "regarding": _regarding(activity),
            "owner_id": activity.get("owner_id"), "scheduled_start": activity.get("scheduled_start"),
            "scheduled_end": activity.get("scheduled_end"), "due_at": activity.get("due_at"),
            "version": activity["version"]}


def completed_event_payload(activity: dict) -> dict:
    return {"activity_id": activity["id"], "type": activity["type"], "subject": activity["subject"],
            "regarding": _regarding(activity), "actual_duration_minutes": activity["actual_duration_minutes"],
            "owner_id": activity.get("owner_id"), "completed_at": activity["completed_at"],
            "campaign_activity_id": (activity.get("source") or {}).get("campaign_activity_id")}


def cancelled_event_payload(activity: dict) -> dict:
    return {"activity_id": activity["id"], "type": activity["type"], "regarding": _regarding(activity),
            "owner_id": activity.get("owner_id"), "cancelled_at": activity["cancelled_at"],
            "reason": activity.get("status_reason")}


def normalise(values: dict) -> dict:
    """Nested UUIDs (regarding, parties) travel and are stored as strings; blanks around a
    subject never mean anything."""
    if values.get("regarding"):
        values["regarding"] = {**values["regarding"], "id": str(values["regarding"]["id"])}
    if values.get("parties"):
        values["parties"] = [{**party, "id": str(party["id"])} for party in values["parties"]]
    if isinstance(values.get("subject"), str):
        values["subject"] = values["subject"].strip()
    return values


def recurrence_errors(activity: dict) -> list[dict]:
    if not activity.get("recurrence") or activity.get("scheduled_start") is None \
            or activity.get("scheduled_end") is None:
        return []
    try:
        Series.of(activity).check()
    except RecurrenceError as exc:
        return [{"field": exc.field, "message": exc.message}]
    return []


def check_activity(repo: ActivityRepository, activity: dict) -> list[dict]:
    """Rules needing the database: the type exists (built in or custom) and its custom
    fields are valid; on a change, the activity is still open and keeps its type."""
    errors = []
    if activity.get("id"):
        stored = repo.get(activity["id"])
        lifecycle.ensure_editable(stored["status"])
        if stored["type"] != activity["type"]:
            errors.append({"field": "type", "message": "an activity keeps its type; create a new one instead"})
    custom = None
    if not kinds.is_built_in(activity["type"]):
        custom = ActivityTypeRepository(repo.connection).by_name(activity["type"])
        if custom is None:
            return errors + [{"field": "type", "message": f"no built-in or custom activity type {activity['type']}"}]
    errors += kinds.rule_errors(activity, custom=custom is not None)
    if custom is not None:
        errors += value_errors(custom["fields"], activity.get("custom_fields"))
    errors += recurrence_errors(activity)
    return errors


ACTIVITIES = Resource(
    label="activity", event_prefix="Activity", schema=ActivityInput, repository=ActivityRepository,
    event_payload=activity_event_payload, check=check_activity, normalise=normalise,
)


class ActivityActions:
    """State changes and calendar reads of one activity, each in one unit of work."""

    def __init__(self, db: DatabaseAccess):
        self.db = db

    def _change(self, activity_id: str, change) -> dict:
        """Run change(uow, repo, activity) on the locked activity in one unit of work."""
        with self.db.unit_of_work() as uow:
            repo = ActivityRepository(uow.connection)
            activity = repo.get(valid_id(activity_id, "activity"), for_update=True)
            if activity is None:
                raise NotFound(f"No activity with id {activity_id}")
            return change(uow, repo, activity)

    def complete(self, activity_id: str, data: dict | None) -> dict:
        values = load(CompleteInput(), data or {})

        def complete_it(uow, repo, activity):
            status = lifecycle.next_status(activity["status"], "complete")
            minutes = lifecycle.actual_minutes(values.get("actual_duration_minutes"), activity)
            record = json_safe(repo.change(activity, {"status": status, "completed_at": datetime.now(timezone.utc),
                                                      "actual_duration_minutes": minutes}))
            uow.add_event("ActivityCompleted", completed_event_payload(record))
            return record

        return self._change(activity_id, complete_it)

    def cancel(self, activity_id: str, data: dict | None) -> dict:
        values = load(CancelInput(), data or {})
        return self._change(activity_id, lambda uow, repo, activity: cancel(uow, repo, activity, values.get("reason")))

    def add_exception(self, activity_id: str, data: dict) -> dict:
        """Cancel or move one occurrence of a series (a repeat for the same occurrence replaces it)."""
        values = load(ExceptionInput(), data)
        original = values["original_start"].astimezone(timezone.utc)

        def add_it(uow, repo, activity):
            if not activity.get("recurrence"):
                raise Conflict("Only a recurring appointment has occurrences to change.")
            lifecycle.ensure_editable(activity["status"])
            errors = exception_errors(Series.of(activity), original, values)
            if errors:
                raise ValidationFailed("Invalid exception", errors)
            moved = not values["cancelled"]
            exception = json_safe({"original_start": original, "cancelled": values["cancelled"],
                                   "scheduled_start": values["scheduled_start"] if moved else None,
                                   "scheduled_end": values["scheduled_end"] if moved else None})
            kept = [e for e in activity["exceptions"]
                    if parse_moment(e["original_start"]).astimezone(timezone.utc) != original]
            record = json_safe(repo.change(activity, {"exceptions": kept + [exception]}))
            uow.add_event("ActivityUpdated", activity_event_payload(record) | {"changed": ["exceptions"]})
            return record

        return self._change(activity_id, add_it)

    def occurrences(self, activity_id: str, window: dict) -> list[dict]:
        values = load(WindowInput(), window)
        start, end = values["start"], values["end"]
        if end <= start or end - start > MAX_WINDOW:
            raise ValidationFailed("Invalid window", [{"field": "end", "message":
                                   f"must be after start and at most {MAX_WINDOW.days} days later"}])
        with self.db.reading() as connection:
            activity = ActivityRepository(connection).get(valid_id(activity_id, "activity"))
        if activity is None:
            raise NotFound(f"No activity with id {activity_id}")
        try:
            found = (Series.of(activity).expand(start, end) if activity.get("recurrence")
                     else single(activity.get("scheduled_start"), activity.get("scheduled_end"), start, end))
        except RecurrenceError as exc:
            raise ValidationFailed("Invalid window", [{"field": exc.field, "message": exc.message}]) from None
        return json_safe([{"activity_id": activity["id"], "subject": activity["subject"],
                           "original_start": o.original_start, "start": o.start, "end": o.end,
                           "moved": o.moved} for o in found])


def exception_errors(series: Series, original: datetime, values: dict) -> list[dict]:
    errors = []
    if not series.is_occurrence(original):
        errors.append({"field": "original_start", "message": "is not an occurrence of this series"})
    if not values["cancelled"]:
        start, end = values.get("scheduled_start"), values.get("scheduled_end")
        for field, value in (("scheduled_start", start), ("scheduled_end", end)):
            if value is None:
                errors.append({"field": field, "message": "required to move an occurrence"})
        if start and end and end < start:
            errors.append({"field": "scheduled_end", "message": "must not be before scheduled_start"})
    return errors


def cancel(uow, repo: ActivityRepository, activity: dict, reason: str | None) -> dict:
    """Cancel an open activity and record ActivityCancelled (used by the action and consumers)."""
    status = lifecycle.next_status(activity["status"], "cancel")
    record = json_safe(repo.change(activity, {"status": status, "status_reason": reason,
                                              "cancelled_at": datetime.now(timezone.utc)}))
    uow.add_event("ActivityCancelled", cancelled_event_payload(record))
    return record
