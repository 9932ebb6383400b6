"""Bookings by hand, availability through RPC, cancellation and the customer 360 section."""
import uuid
from datetime import timedelta

import pytest

from crmkit.errors import Conflict, NotFound, ValidationFailed
from helpers import course, iso, next_monday, room, teacher
from scheduler.schemas import EVENT_PAYLOADS


def events(service, event_type):
    return [row["envelope"] for row in service.sql.rows(
        "SELECT envelope FROM outbox WHERE event_type = :t ORDER BY id", t=event_type)]


@pytest.fixture
def company(scheduler):
    rpc = scheduler.rpc
    ada = rpc.create_resource(teacher("Ada", {"crm": 4}, user_id=str(uuid.uuid4())))
    bob = rpc.create_resource(teacher("Bob", {"crm": 2}))
    big = rpc.create_resource(room("Big room", 30))
    small = rpc.create_resource(room("Small room", 12))
    service = rpc.create_service(course())
    return {"ada": ada, "bob": bob, "big": big, "small": small, "service": service}


def booking(company, start, resources=("ada", "small"), **extra):
    return {"service_id": company["service"]["id"], "resource_ids": [company[r]["id"] for r in resources],
            "start": iso(start), "end": iso(start + timedelta(hours=3)), "attendees": 12, **extra}


def test_a_booking_is_stored_announced_and_blocks_its_resources(scheduler, company):
    monday = next_monday().replace(hour=9)
    account = str(uuid.uuid4())
    created = scheduler.rpc.create_booking(booking(company, monday, account_id=account,
                                                   regarding={"type": "order", "id": account}))
    assert created["status"] == "booked" and created["start"].endswith("Z")
    assert sorted(created["resource_ids"]) == sorted([company["ada"]["id"], company["small"]["id"]])
    [event] = events(scheduler, "BookingCreated")
    payload = event["payload"]
    assert EVENT_PAYLOADS["BookingCreated"]().validate(payload) == {}
    assert payload["booking_id"] == created["id"] and payload["account_id"] == account
    assert payload["user_ids"] == [company["ada"]["user_id"]] and payload["subject"] == "CRM administration"
    with pytest.raises(Conflict) as raised:  # Ada again, overlapping by an hour
        scheduler.rpc.create_booking(booking(company, monday + timedelta(hours=2), ("ada", "big")))
    assert "Ada is already booked" in str(raised.value)
    assert scheduler.sql.scalar("SELECT count(*) FROM bookings") == 1
    # Back to back is fine.
    scheduler.rpc.create_booking(booking(company, monday + timedelta(hours=3), ("ada", "big")))


def test_a_booking_must_fit_calendars_and_requirements(scheduler, company):
    monday = next_monday()
    with pytest.raises(Conflict) as raised:  # 07:00 is before working hours
        scheduler.rpc.create_booking(booking(company, monday.replace(hour=7)))
    assert "not working" in str(raised.value)
    with pytest.raises(ValidationFailed) as raised:  # Bob is rated 2, the course needs 3
        scheduler.rpc.create_booking(booking(company, monday.replace(hour=9), ("bob", "small")))
    assert raised.value.errors == [{"field": "resource_ids",
                                    "message": "the service needs a person rated at least 3 in crm"}]
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.create_booking({"service_id": str(uuid.uuid4()), "resource_ids": [], "start": "tomorrow",
                                      "attendees": 0})
    assert {e["field"] for e in raised.value.errors} == {"resource_ids", "start", "end", "attendees"}
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.create_booking(booking(company, monday.replace(hour=9)) | {"service_id": str(uuid.uuid4())})
    assert [e["field"] for e in raised.value.errors] == ["service_id"]
    assert events(scheduler, "BookingCreated") == []


def test_cancelling_frees_the_time_once_and_announces_it(scheduler, company):
    monday = next_monday().replace(hour=13)
    created = scheduler.rpc.create_booking(booking(company, monday))
    cancelled = scheduler.rpc.cancel_booking(created["id"], {"reason": "customer postponed"})
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "customer postponed"
    assert cancelled["version"] == 2
    with pytest.raises(Conflict):
        scheduler.rpc.cancel_booking(created["id"], {})
    with pytest.raises(NotFound):
        scheduler.rpc.cancel_booking(str(uuid.uuid4()), {})
    [event] = events(scheduler, "BookingCancelled")
    assert event["payload"]["reason"] == "customer postponed"
    assert EVENT_PAYLOADS["BookingCancelled"]().validate(event["payload"]) == {}
    again = scheduler.rpc.create_booking(booking(company, monday))  # the time is free again
    assert again["status"] == "booked"
    listed = scheduler.rpc.list_bookings(filters={"status": "booked"})["items"]
    assert [b["id"] for b in listed] == [again["id"]]


def test_availability_answers_earliest_slots_or_reasons(scheduler, company):
    monday = next_monday()
    window = {"start": iso(monday), "end": iso(monday + timedelta(days=5))}
    scheduler.rpc.create_booking(booking(company, monday.replace(hour=9), ("ada", "big")))
    answer = scheduler.rpc.find_availability({"service_id": company["service"]["id"], "attendees": 12,
                                              "window": window, "limit": 2})
    # Ada (the only qualified teacher) is booked 09-12 on Monday: 12:00 is the first start.
    assert [s["start"] for s in answer["slots"]] == [iso(monday.replace(hour=12)).replace("+00:00", "Z"),
                                                     iso(monday.replace(hour=13)).replace("+00:00", "Z")]
    assert answer["slots"][0]["resource_ids"] == [company["ada"]["id"], company["small"]["id"]]
    none = scheduler.rpc.find_availability({"service_id": company["service"]["id"], "attendees": 31, "window": window})
    assert none["slots"] == []
    assert none["reasons"] == ["no facility with 31 seats and a projector exists"]
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.find_availability({"service_id": "nope", "window": {"start": iso(monday)}, "limit": 0})
    assert {e["field"] for e in raised.value.errors} == {"service_id", "window.end", "limit"}


def test_customer_overview_lists_upcoming_bookings_of_the_account(scheduler, company):
    account = str(uuid.uuid4())
    monday = next_monday()
    later = scheduler.rpc.create_booking(booking(company, monday.replace(hour=13), account_id=account))
    sooner = scheduler.rpc.create_booking(booking(company, monday.replace(hour=9), ("ada", "big"), account_id=account))
    scheduler.rpc.create_booking(booking(company, monday.replace(hour=13), ("ada", "big")) |
                                 {"start": iso(monday.replace(hour=13) + timedelta(days=1)),
                                  "end": iso(monday.replace(hour=16) + timedelta(days=1))})
    overview = scheduler.rpc.customer_overview(account)
    assert [b["id"] for b in overview["upcoming"]] == [sooner["id"], later["id"]]
    assert overview["upcoming_count"] == 2
    assert scheduler.rpc.customer_overview(str(uuid.uuid4()))["upcoming"] == []
    with pytest.raises(NotFound):
        scheduler.rpc.customer_overview("not-an-id")
