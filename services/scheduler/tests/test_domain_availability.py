"""The availability search: earliest slots on the grid, honouring calendars, or reasons."""
from datetime import datetime, timedelta, timezone

from scheduler.domain.availability import Search, search
from scheduler.domain.calendars import free_intervals
from scheduler.domain.requirements import Requirement, ResourceView, describe, unmet

UTC = timezone.utc
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
WEEK = (MONDAY, MONDAY + timedelta(days=7))
HOURS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]

TEACHER = Requirement(kind="user", characteristics=(("crm", 3),))
ROOM = Requirement(kind="facility", features=("projector",), min_capacity="attendees")


def record(rid, kind, tz="UTC", capacity=1, ratings=None, features=(), time_off=()):
    return {"id": rid, "name": rid, "kind": kind, "capacity": capacity, "timezone": tz, "working_hours": HOURS,
            "characteristics": [{"name": k, "rating": v} for k, v in (ratings or {}).items()],
            "features": list(features), "time_off": list(time_off)}


def run(records, requirements=(TEACHER, ROOM), attendees=12, hours=3, busy=None, window=WEEK, limit=3,
        step=timedelta(hours=1)):
    views = [ResourceView.from_record(r) for r in records]
    free = {r["id"]: free_intervals(r, *window, (busy or {}).get(r["id"], ())) for r in records}
    return search(Search(timedelta(hours=hours), tuple(requirements), attendees, window, limit, step), views, free)


def test_earliest_slots_pick_a_qualified_teacher_and_the_tightest_fitting_room():
    answer = run([record("ada", "user", ratings={"crm": 4}), record("bob", "user", ratings={"crm": 2}),
                  record("big", "facility", capacity=40, features=["projector"]),
                  record("small", "facility", capacity=12, features=["Projector"]),
                  record("dark", "facility", capacity=12)])
    assert [(s.start, s.resource_ids) for s in answer.slots] == [
        (MONDAY.replace(hour=9), ("ada", "small")), (MONDAY.replace(hour=10), ("ada", "small")),
        (MONDAY.replace(hour=11), ("ada", "small"))]
    assert answer.slots[0].end == MONDAY.replace(hour=12) and answer.reasons == []


def test_time_zones_time_off_and_bookings_move_the_first_slot():
    # Ada works 09-17 in New York (UTC-5 in early March): 14:00-22:00 UTC.
    ada = record("ada", "user", tz="America/New_York", ratings={"crm": 5},
                 time_off=[{"start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z"}])
    room = record("room", "facility", capacity=20, features=["projector"])
    answer = run([ada, room], busy={"room": [(MONDAY + timedelta(days=1, hours=14), MONDAY + timedelta(days=1, hours=15))]})
    # Tuesday: Ada from 14:00 UTC, the room booked 14-15 and closing at 17:00 -> nothing fits;
    # Wednesday 14:00 UTC is the first start both can take for three hours.
    # 15:00 would end after the room closes, so each day offers one start.
    assert [s.start for s in answer.slots] == [MONDAY + timedelta(days=d, hours=14) for d in (2, 3, 4)]


def test_no_slot_names_the_failing_requirement():
    teachers = [record("ada", "user", ratings={"crm": 4})]
    answer = run(teachers + [record("room", "facility", capacity=20)], attendees=30)
    assert answer.slots == []
    assert answer.reasons == ["no facility with 30 seats and a projector exists"]
    booked = {"room": [WEEK]}
    answer = run(teachers + [record("room", "facility", capacity=40, features=["projector"])], attendees=30, busy=booked)
    assert answer.reasons == ["no facility with 30 seats and a projector is free for 180 minutes in the window"]


def test_requirements_free_at_different_times_are_reported_together():
    ada = record("ada", "user", ratings={"crm": 4}, time_off=[{"start": "2026-03-04T00:00:00Z", "end": "2026-03-09T00:00:00Z"}])
    room = record("room", "facility", capacity=20, features=["projector"],
                  time_off=[{"start": "2026-03-02T00:00:00Z", "end": "2026-03-04T00:00:00Z"}])
    answer = run([ada, room])
    assert answer.slots == [] and "never free at the same time" in answer.reasons[0]


def test_one_resource_never_serves_two_requirements_of_a_slot():
    both = record("both", "user", ratings={"crm": 5, "sales": 5})
    two_teachers = (TEACHER, Requirement(kind="user", characteristics=(("sales", 3),)))
    assert run([both], requirements=two_teachers, attendees=1).slots == []
    other = record("other", "user", ratings={"sales": 3})
    slots = run([both, other], requirements=two_teachers, attendees=1).slots
    assert slots[0].resource_ids == ("both", "other")


def test_counts_and_grid_alignment():
    people = [record(f"p{n}", "user", ratings={"crm": 3}) for n in range(3)]
    window = (MONDAY.replace(hour=9, minute=10), MONDAY.replace(hour=17))
    answer = run(people, requirements=(Requirement(count=2, kind="user", characteristics=(("crm", 3),)),),
                 hours=1, window=window, step=timedelta(minutes=30), limit=2)
    assert [s.start.minute for s in answer.slots] == [30, 0]
    assert len(answer.slots[0].resource_ids) == 2


def test_describe_and_matching_helpers():
    assert describe(ROOM, 30) == "facility with 30 seats and a projector"
    assert describe(Requirement(count=2, kind="user", characteristics=(("crm", 3),)), 1) == \
        "2 persons rated at least 3 in crm"
    views = [ResourceView.from_record(record("ada", "user", ratings={"crm": 4}))]
    assert unmet([TEACHER, ROOM], views, 12) == [ROOM]
