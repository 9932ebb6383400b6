"""Rules on the scheduler's records themselves: defaults, clean-up, cross-field checks and
the payloads of the events announcing them."""
from __future__ import annotations

from crmkit.records import json_safe
from scheduler.domain.calendars import DEFAULT_WORKING_HOURS

# A null sent for these resets them to their default (the columns are never null).
RESOURCE_DEFAULTS = {"capacity": 1, "characteristics": [], "features": [], "timezone": "UTC",
                     "time_off": []}
SERVICE_DEFAULTS = {"requirements": [], "default_attendees": 1, "slot_minutes": 30}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def normalise_resource(data: dict) -> dict:
    out = {key: _strip(value) for key, value in data.items()}
    for key, default in RESOURCE_DEFAULTS.items():
        if key in out and out[key] is None:
            out[key] = default
    if "working_hours" in out and out["working_hours"] is None:
        out["working_hours"] = [dict(span) for span in DEFAULT_WORKING_HOURS]
    if out.get("characteristics"):
        # One rating per characteristic: the last one given wins.
        by_name = {c["name"].strip().casefold(): {"name": c["name"].strip(), "rating": c["rating"]}
                   for c in out["characteristics"]}
        out["characteristics"] = sorted(by_name.values(), key=lambda c: c["name"].casefold())
    if out.get("features"):
        out["features"] = sorted({f.strip() for f in out["features"]}, key=str.casefold)
    if out.get("working_hours"):
        out["working_hours"] = sorted(out["working_hours"], key=lambda s: (s["weekday"], s["start"]))
    if out.get("time_off"):
        # Stored as ISO strings in UTC, so a PATCH repeating them changes nothing.
        out["time_off"] = sorted((json_safe({k: v for k, v in span.items() if v is not None})
                                  for span in out["time_off"]), key=lambda s: s["start"])
    return out


def resource_rule_errors(resource: dict) -> list[dict]:
    errors = []
    if resource.get("kind") and resource["kind"] != "facility" and (resource.get("capacity") or 1) > 1:
        errors.append({"field": "capacity", "message": "only a facility has seats; leave it at 1"})
    if resource.get("kind") and resource["kind"] != "user" and resource.get("user_id"):
        errors.append({"field": "user_id", "message": "only a resource of kind user links to a user"})
    spans = resource.get("working_hours") or []
    for n, (a, b) in enumerate(zip(spans, spans[1:]), start=1):
        if a["weekday"] == b["weekday"] and b["start"] < a["end"]:
            errors.append({"field": f"working_hours.{n}", "message": "overlaps the previous span of that day"})
    return errors


def normalise_group(data: dict) -> dict:
    out = {key: _strip(value) for key, value in data.items()}
    if "member_ids" in out:
        out["member_ids"] = sorted({str(m) for m in out["member_ids"] or []})
    return out


def normalise_service(data: dict) -> dict:
    out = {key: _strip(value) for key, value in data.items()}
    for key, default in SERVICE_DEFAULTS.items():
        if key in out and out[key] is None:
            out[key] = default
    if out.get("requirements"):
        out["requirements"] = [_requirement(r) for r in out["requirements"]]
    return out


def _requirement(requirement: dict) -> dict:
    return {"count": requirement.get("count", 1), "kind": requirement.get("kind"),
            "group_id": str(requirement["group_id"]) if requirement.get("group_id") else None,
            "characteristics": [{"name": c["name"].strip(), "min_rating": c.get("min_rating", 1)}
                                for c in requirement.get("characteristics") or []],
            "features": [f.strip() for f in requirement.get("features") or []],
            "min_capacity": requirement.get("min_capacity")}


def resource_event_payload(resource: dict) -> dict:
    return {"resource_id": resource["id"], "name": resource["name"], "kind": resource["kind"],
            "capacity": resource["capacity"], "user_id": resource.get("user_id"), "version": resource["version"]}


def group_event_payload(group: dict) -> dict:
    return {"resource_group_id": group["id"], "name": group["name"], "member_ids": group["member_ids"],
            "version": group["version"]}


def service_event_payload(service: dict) -> dict:
    return {"service_id": service["id"], "name": service["name"],
            "duration_minutes": service["duration_minutes"], "version": service["version"]}


def booking_event_payload(booking: dict, service: dict, resource_records: list[dict]) -> dict:
    """BookingCreated / BookingCancelled. Names and the people's user ids ride along so the
    activities service can title the activity and put it on their calendars."""
    payload = {key: booking.get(key) for key in ("service_id", "request_id", "resource_ids", "start", "end",
                                                 "regarding", "account_id")}
    payload["booking_id"] = booking["id"]
    if booking.get("status") == "booked":
        names = {r["id"]: r["name"] for r in resource_records}
        payload |= {"attendees": booking["attendees"], "subject": booking.get("subject") or service.get("name"),
                    "service_name": service.get("name"),
                    "resource_names": [names.get(r) for r in booking["resource_ids"]],
                    "user_ids": [r["user_id"] for r in resource_records if r.get("user_id")]}
    return payload
