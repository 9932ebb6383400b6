"""Reading what the rules need from the database: resources with their groups, services and
the booked time in a window; and the availability search flow built on it."""
from __future__ import annotations

from datetime import datetime, timedelta

from crmkit.errors import ValidationFailed
from crmkit.records import json_safe, load
from scheduler.db import BookingRepository, ResourceGroupRepository, ResourceRepository, ServiceRepository
from scheduler.domain import availability
from scheduler.domain.calendars import free_intervals
from scheduler.domain.requirements import Requirement, ResourceView, groups_by_member
from scheduler.schemas import AvailabilityQuery


def services_by_id(connection, ids, field_of) -> dict[str, dict]:
    """The services named by `ids`; a ValidationFailed naming each unknown one's field."""
    repo, found, errors = ServiceRepository(connection), {}, []
    for position, service_id in enumerate(ids):
        service = found.get(service_id) or repo.get(service_id)
        if service is None:
            errors.append({"field": field_of(position), "message": f"no service with id {service_id}"})
        else:
            found[service_id] = service
    if errors:
        raise ValidationFailed("Unknown service", errors)
    return found


def busy_spans(connection, start: datetime, end: datetime, resource_ids=None) -> list[tuple[str, datetime, datetime]]:
    return [(row["resource_id"], row["start"], row["end"])
            for row in BookingRepository(connection).busy(resource_ids, start, end)]


def calendars(connection, start: datetime, end: datetime, resource_ids=None):
    """(resource records, group records, booked spans) for [start, end)."""
    resources = ResourceRepository(connection).all(resource_ids)
    groups = ResourceGroupRepository(connection).all()
    return resources, groups, busy_spans(connection, start, end, [r["id"] for r in resources])


def find_availability(db, data) -> dict:
    query = load(AvailabilityQuery(), data)
    window = (query["window"]["start"], query["window"]["end"])
    with db.reading() as connection:
        service = services_by_id(connection, [query["service_id"]], lambda _: "service_id")[query["service_id"]]
        ids = [str(r) for r in query["resource_ids"]] if query.get("resource_ids") else None
        resources, groups, busy = calendars(connection, *window, ids)
    member_of = groups_by_member(groups)
    by_resource: dict[str, list] = {}
    for resource_id, s, e in busy:
        by_resource.setdefault(resource_id, []).append((s, e))
    answer = availability.search(
        availability.Search(
            duration=timedelta(minutes=service["duration_minutes"]),
            requirements=tuple(Requirement.from_dict(r) for r in service["requirements"]),
            attendees=query["attendees"], window=window, limit=query["limit"],
            step=timedelta(minutes=query.get("step_minutes") or service["slot_minutes"])),
        [ResourceView.from_record(r, member_of.get(r["id"], ())) for r in resources],
        {r["id"]: free_intervals(r, *window, by_resource.get(r["id"], ())) for r in resources},
        {g["id"]: g["name"] for g in groups})
    return json_safe({"service_id": service["id"], "slots": [slot.as_dict() for slot in answer.slots],
                      "reasons": answer.reasons})
