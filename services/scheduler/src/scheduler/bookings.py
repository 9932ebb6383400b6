"""Bookings: made by hand, by a committed solve or by the QuoteAccepted consumer, cancelled
by hand; each announced by an event. Every writer takes the calendar lock, checks the
resources' calendars and bookings, and the exclusion constraint on booking_slots stands
behind it."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.records import json_safe, load, valid_id
from crmkit.resources import Resource
from scheduler.db import BookingRepository, ResourceGroupRepository, ResourceRepository, lock_calendars
from scheduler.domain import records
from scheduler.domain.calendars import covers, free_intervals
from scheduler.domain.requirements import Requirement, ResourceView, describe, groups_by_member, unmet
from scheduler.planning import busy_spans, services_by_id
from scheduler.schemas import BookingInput, CancelInput

BOOKINGS = Resource(label="booking", event_prefix="Booking", schema=BookingInput, repository=BookingRepository,
                    event_payload=lambda booking: records.booking_event_payload(booking, {}, []))


def clashes(connection, resource_records: list[dict], start: datetime, end: datetime) -> list[str]:
    """Why these resources cannot all take [start, end): outside working hours, time off
    or already booked. Empty when they can."""
    booked = {}
    for resource_id, s, e in busy_spans(connection, start, end, [r["id"] for r in resource_records]):
        booked.setdefault(resource_id, (s, e))
    out = []
    for resource in resource_records:
        if resource["id"] in booked:
            s, e = booked[resource["id"]]
            out.append(f"{resource['name']} is already booked from {json_safe(s)} to {json_safe(e)}")
        elif not covers(free_intervals(resource, start, end), start, end):
            out.append(f"{resource['name']} is not working or is on time off at some point of that time")
    return out


def book(uow, values: dict, service: dict, resource_records: list[dict], owner_id: str | None) -> dict:
    """Insert a booking (the caller holds the calendar lock and has checked it fits) and
    record BookingCreated."""
    repo = BookingRepository(uow.connection)
    try:
        with uow.connection.begin_nested():
            booking = repo.add({**values, "status": "booked"}, owner_id)
            repo.add_slots(booking)
    except IntegrityError as exc:  # the exclusion constraint: a concurrent booking won
        raise Conflict("One of the resources was booked for that time meanwhile.") from exc
    booking = json_safe(booking)
    uow.add_event("BookingCreated", records.booking_event_payload(booking, service, resource_records))
    return booking


def create_booking(db, data: dict, owner_id: str | None) -> dict:
    values = load(BookingInput(), data)
    values["resource_ids"] = sorted({str(r) for r in values["resource_ids"]})
    if values.get("regarding"):
        values["regarding"] = {"type": values["regarding"]["type"], "id": str(values["regarding"]["id"])}
    with db.unit_of_work() as uow:
        lock_calendars(uow.connection)
        service = services_by_id(uow.connection, [values["service_id"]], lambda _: "service_id")[values["service_id"]]
        resources_repo = ResourceRepository(uow.connection)
        missing = resources_repo.missing(values["resource_ids"])
        if missing:
            raise ValidationFailed("Unknown resources", [{"field": "resource_ids", "message": f"no resource with id {m}"}
                                                         for m in missing])
        chosen = resources_repo.all(values["resource_ids"])
        member_of = groups_by_member(ResourceGroupRepository(uow.connection).all())
        requirements = [Requirement.from_dict(r) for r in service["requirements"]]
        gaps = unmet(requirements, [ResourceView.from_record(r, member_of.get(r["id"], ())) for r in chosen],
                     values["attendees"])
        if gaps:
            raise ValidationFailed("The resources do not meet the service's requirements", [
                {"field": "resource_ids", "message": f"the service needs a {describe(g, values['attendees'])}"}
                for g in gaps])
        problems = clashes(uow.connection, chosen, values["start"], values["end"])
        if problems:
            raise Conflict("The resources are not free then: " + "; ".join(problems) + ".")
        return book(uow, values, service, chosen, owner_id)


def cancel_booking(db, booking_id: str, data: dict | None) -> dict:
    values = load(CancelInput(), data or {})
    with db.unit_of_work() as uow:
        repo = BookingRepository(uow.connection)
        booking = repo.get(valid_id(booking_id, "booking"), for_update=True)
        if booking is None:
            raise NotFound(f"No booking with id {booking_id}")
        if booking["status"] != "booked":
            raise Conflict(f"The booking is {booking['status']}; only a booked one can be cancelled.")
        now = datetime.now(timezone.utc)
        updated = repo.change(booking, {"status": "cancelled", "cancel_reason": values.get("reason"),
                                        "cancelled_at": now})
        repo.release_slots(booking["id"])
        updated = json_safe(updated)
        uow.add_event("BookingCancelled", records.booking_event_payload(updated, {}, []) |
                      {"reason": values.get("reason")})
        return updated


def customer_overview(db, account_id: str, limit: int = 20) -> dict:
    """The customer 360 view's section: the account's upcoming bookings, soonest first."""
    account_id = valid_id(account_id, "account")
    with db.reading() as connection:
        upcoming, total = BookingRepository(connection).upcoming_for_account(
            account_id, datetime.now(timezone.utc), limit)
    return json_safe({"account_id": account_id, "upcoming": upcoming, "upcoming_count": total})
