"""Resources, resource groups and services over real RPC, PostgreSQL and RabbitMQ."""
import uuid

import pytest

from crmkit.errors import Conflict, NotFound, ValidationFailed
from helpers import course, next_monday, room, teacher
from scheduler.schemas import EVENT_PAYLOADS


def outbox(service, event_type=None):
    rows = service.sql.rows("SELECT event_type, envelope FROM outbox ORDER BY id")
    return [row["envelope"] for row in rows if event_type in (None, row["event_type"])]


def test_a_resource_gets_sensible_defaults_and_announces_itself(scheduler):
    created = scheduler.rpc.create_resource({"name": " Projector 1 ", "kind": "equipment"}, owner_id=str(uuid.uuid4()))
    assert created["name"] == "Projector 1"
    assert created["capacity"] == 1 and created["timezone"] == "UTC"
    assert created["working_hours"] == [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
    assert created["characteristics"] == [] and created["features"] == [] and created["time_off"] == []
    assert created["version"] == 1 and created["created_at"].endswith("Z")
    assert scheduler.rpc.get_resource(created["id"]) == created
    [event] = outbox(scheduler, "ResourceCreated")
    assert event["payload"]["resource_id"] == created["id"]
    assert EVENT_PAYLOADS["ResourceCreated"]().validate(event["payload"]) == {}


def test_a_teacher_keeps_ratings_time_zone_hours_and_time_off(scheduler):
    monday = next_monday()
    data = teacher("Ada", {"Python": 4, "crm": 2}, tz="Europe/Paris",
                   time_off=[{"start": monday.isoformat(), "end": (monday.replace(hour=12)).isoformat(),
                              "reason": "dentist"}])
    data["characteristics"].append({"name": "python", "rating": 5})  # same name: the last rating wins
    created = scheduler.rpc.create_resource(data)
    assert created["characteristics"] == [{"name": "crm", "rating": 2}, {"name": "python", "rating": 5}]
    assert created["timezone"] == "Europe/Paris"
    assert created["time_off"][0]["start"].endswith("Z") and created["time_off"][0]["reason"] == "dentist"
    # Repeating the same time off (other offset, same instant) changes nothing.
    again = scheduler.rpc.update_resource(created["id"], {"time_off": data["time_off"]})
    assert again["version"] == 1


def test_an_invalid_resource_lists_every_bad_field_and_writes_nothing(scheduler):
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.create_resource({
            "kind": "robot", "capacity": 0, "timezone": "Mars/Olympus",
            "characteristics": [{"name": "python", "rating": 9}],
            "working_hours": [{"weekday": 7, "start": "9am", "end": "17:00"}, {"weekday": 1, "start": "17:00", "end": "09:00"}],
            "time_off": [{"start": "2026-01-01T10:00:00", "end": "2026-01-01T09:00:00+00:00"}],
            "colour": "red"})
    fields = {error["field"] for error in raised.value.errors}
    assert fields == {"name", "kind", "capacity", "timezone", "characteristics.0.rating", "working_hours.0.weekday",
                      "working_hours.0.start", "working_hours.1.end", "time_off.0.start", "colour"}
    assert scheduler.sql.scalar("SELECT count(*) FROM resources") == 0
    assert outbox(scheduler) == []


def test_cross_field_rules_of_resources(scheduler):
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.create_resource({"name": "Laptop", "kind": "equipment", "capacity": 4,
                                       "user_id": str(uuid.uuid4())})
    assert {e["field"] for e in raised.value.errors} == {"capacity", "user_id"}
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.create_resource({"name": "Bob", "kind": "user", "working_hours": [
            {"weekday": 0, "start": "09:00", "end": "13:00"}, {"weekday": 0, "start": "12:00", "end": "17:00"}]})
    assert [e["field"] for e in raised.value.errors] == ["working_hours.1"]


def test_groups_need_existing_members_and_protect_what_uses_them(scheduler):
    ada = scheduler.rpc.create_resource(teacher("Ada", {"crm": 4}))
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.create_resource_group({"name": "Trainers", "member_ids": [ada["id"], str(uuid.uuid4())]})
    assert [e["field"] for e in raised.value.errors] == ["member_ids"]
    group = scheduler.rpc.create_resource_group({"name": "Trainers", "member_ids": [ada["id"], ada["id"]]})
    assert group["member_ids"] == [ada["id"]]
    service = scheduler.rpc.create_service({"name": "Coaching", "duration_minutes": 60,
                                            "requirements": [{"group_id": group["id"]}]})
    assert service["requirements"][0]["group_id"] == group["id"]
    with pytest.raises(Conflict):
        scheduler.rpc.delete_resource(ada["id"])  # still in the group
    with pytest.raises(Conflict):
        scheduler.rpc.delete_resource_group(group["id"])  # a service requires it
    scheduler.rpc.delete_service(service["id"])
    scheduler.rpc.delete_resource_group(group["id"])
    scheduler.rpc.delete_resource(ada["id"])
    with pytest.raises(NotFound):
        scheduler.rpc.get_resource(ada["id"])
    types = [e["event_type"] for e in outbox(scheduler)]
    assert types[-3:] == ["SchedulingServiceDeleted", "ResourceGroupDeleted", "ResourceDeleted"]
    for event in outbox(scheduler):
        assert EVENT_PAYLOADS[event["event_type"]]().validate(event["payload"]) == {}, event


def test_services_validate_their_requirements(scheduler):
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.create_service({"name": "Bad", "duration_minutes": 0, "requirements": [
            {"count": 0, "kind": "facility", "min_capacity": "lots"},
            {"characteristics": [{"name": "crm", "min_rating": 6}]},
            {"group_id": str(uuid.uuid4())}]})
    fields = {e["field"] for e in raised.value.errors}
    assert fields == {"duration_minutes", "requirements.0.count", "requirements.0.min_capacity",
                      "requirements.1.kind", "requirements.1.characteristics.0.min_rating"}
    with pytest.raises(ValidationFailed) as raised:  # rules needing the database come after
        scheduler.rpc.create_service({"name": "Bad", "duration_minutes": 30, "requirements": [{"group_id": str(uuid.uuid4())}]})
    assert [e["field"] for e in raised.value.errors] == ["requirements.0.group_id"]
    created = scheduler.rpc.create_service(course())
    assert created["requirements"][1] == {"count": 1, "kind": "facility", "group_id": None, "characteristics": [],
                                          "features": ["projector"], "min_capacity": "attendees"}
    assert created["default_attendees"] == 12 and created["slot_minutes"] == 60


def test_lists_filter_search_sort_and_page(scheduler):
    for n in range(5):
        scheduler.rpc.create_resource(room(f"Room {n}", 10 + n))
    scheduler.rpc.create_resource(teacher("Ada", {"crm": 4}))
    rooms = scheduler.rpc.list_resources(filters={"kind": "facility"}, sort="-name", limit=3)
    assert [r["name"] for r in rooms["items"]] == ["Room 4", "Room 3", "Room 2"]
    rest = scheduler.rpc.list_resources(filters={"kind": "facility"}, sort="-name", limit=3, cursor=rooms["next_cursor"])
    assert [r["name"] for r in rest["items"]] == ["Room 1", "Room 0"] and rest["next_cursor"] is None
    assert [r["name"] for r in scheduler.rpc.list_resources(q="ad")["items"]] == ["Ada"]
    with pytest.raises(ValidationFailed):
        scheduler.rpc.list_resources(filters={"colour": "red"})
