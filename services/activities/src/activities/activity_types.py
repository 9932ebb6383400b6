"""Custom activity types as a resource: names that never clash with the built-in kinds or
each other, well-formed field definitions, and no deleting or renaming a type in use."""
from __future__ import annotations

from crmkit.resources import Resource
from activities.db import ActivityTypeRepository
from activities.domain.custom_fields import definition_errors
from activities.domain.kinds import is_built_in
from activities.schemas import ActivityTypeInput


def check_activity_type(repo: ActivityTypeRepository, activity_type: dict) -> list[dict]:
    errors = definition_errors(activity_type.get("fields") or [])
    name, record_id = activity_type["name"], activity_type.get("id")
    if is_built_in(name):
        errors.append({"field": "name", "message": f"{name} is a built-in activity type"})
    elif repo.name_taken(name, record_id):
        errors.append({"field": "name", "message": f"an activity type named {name} exists"})
    if record_id:
        stored = repo.get(record_id)
        if stored["name"] != name and repo.in_use(stored["name"]):
            errors.append({"field": "name", "message": "activities of this type exist; it cannot be renamed"})
    return errors


def activity_type_delete_blocker(repo: ActivityTypeRepository, activity_type: dict) -> str | None:
    used = repo.in_use(activity_type["name"])
    if used:
        return f"{used} activities are of type {activity_type['name']}; delete them first."
    return None


def activity_type_event_payload(activity_type: dict) -> dict:
    return {"activity_type_id": activity_type["id"], "name": activity_type["name"],
            "label": activity_type["label"], "fields": activity_type["fields"],
            "version": activity_type["version"]}


def normalise(values: dict) -> dict:
    # Absent optional keys are stored as absent, so a definition reads back as it was sent.
    if "fields" in values:
        values["fields"] = [{key: value for key, value in field.items() if value is not None}
                            for field in values["fields"]]
    return values


ACTIVITY_TYPES = Resource(
    label="activity_type", event_prefix="ActivityType", schema=ActivityTypeInput,
    repository=ActivityTypeRepository, event_payload=activity_type_event_payload,
    check=check_activity_type, delete_blocker=activity_type_delete_blocker, normalise=normalise,
)
