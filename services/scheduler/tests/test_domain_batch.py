"""Batch solving in the CRM's terms: requests, services and resource records in; bookings'
times and resources, or reasons, out."""
from datetime import datetime, timedelta, timezone

from scheduler.domain.batch import BatchRequest, solve_batch
from scheduler.domain.calendars import covers, free_intervals

UTC = timezone.utc
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
HOURS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
COURSE = {"id": "svc", "name": "CRM course", "duration_minutes": 180, "slot_minutes": 60, "requirements": [
    {"count": 1, "kind": "user", "characteristics": [{"name": "crm", "min_rating": 3}]},
    {"count": 1, "kind": "facility", "features": ["projector"], "min_capacity": "attendees"}]}


def resource(rid, kind, capacity=1, ratings=None, features=(), tz="UTC"):
    return {"id": rid, "name": rid, "kind": kind, "capacity": capacity, "timezone": tz, "working_hours": HOURS,
            "characteristics": [{"name": k, "rating": v} for k, v in (ratings or {}).items()],
            "features": list(features), "time_off": []}


RESOURCES = [resource("ada", "user", ratings={"crm": 4}), resource("bob", "user", ratings={"crm": 3}),
             resource("cy", "user", ratings={"crm": 1}),
             resource("room12", "facility", 12, features=["projector"]),
             resource("room30", "facility", 30, features=["projector"]),
             resource("dark", "facility", 50)]


def request(rid, attendees=12, days=5, **extra):
    return BatchRequest(rid, COURSE, attendees, (MONDAY, MONDAY + timedelta(days=days)), **extra)


def test_a_course_gets_three_sessions_on_different_days_in_one_room_in_order():
    requests = [request("s1", course="c"), request("s2", course="c", not_before="s1"),
                request("s3", course="c", not_before="s2")]
    result = solve_batch(requests, RESOURCES, [], [], time_limit=10)
    assert result["status"] in ("optimal", "feasible") and result["unassigned"] == []
    by_id = {a["request_id"]: a for a in result["assignments"]}
    starts = [by_id[k]["start"] for k in ("s1", "s2", "s3")]
    assert starts == sorted(starts) and len({s.date() for s in starts}) == 3
    rooms = {by_id[k]["resource_ids"][1] for k in by_id}
    assert rooms == {"room12"}  # the tightest room with a projector, kept for the whole course
    for a in result["assignments"]:
        assert a["resource_ids"][0] in ("ada", "bob")
        for rid in a["resource_ids"]:
            record = next(r for r in RESOURCES if r["id"] == rid)
            assert covers(free_intervals(record, MONDAY, MONDAY + timedelta(days=7)), a["start"], a["end"])


def test_existing_bookings_are_respected_and_preferences_followed():
    busy = [("ada", MONDAY.replace(hour=9), MONDAY.replace(hour=17)),
            ("room12", MONDAY.replace(hour=9), MONDAY.replace(hour=12))]
    result = solve_batch([request("x", preferred_resource_ids=["ada"])], RESOURCES, [], busy, time_limit=5)
    [a] = result["assignments"]
    assert a["resource_ids"][0] == "ada" and a["start"] == MONDAY + timedelta(days=1, hours=9)
    result = solve_batch([request("y")], RESOURCES, [], busy, time_limit=5)
    [a] = result["assignments"]
    assert a["start"] == MONDAY.replace(hour=12) and a["resource_ids"] == ["bob", "room12"]


def test_unassigned_requests_come_with_reasons():
    result = solve_batch([request("big", attendees=40)], RESOURCES, [], [], time_limit=3)
    assert result["status"] == "infeasible"
    assert result["unassigned"] == [{"request_id": "big",
                                     "reasons": ["no facility with 40 seats and a projector exists"]}]
    # Two teachers and one day: the third three-hour session of that day cannot fit... for
    # 30 attendees only room30 qualifies, which holds two sessions a day.
    crowded = [request(f"r{n}", attendees=30, days=1) for n in range(3)]
    result = solve_batch(crowded, RESOURCES, [], [], time_limit=5)
    assert result["status"] == "partial" and len(result["assignments"]) == 2
    [missing] = result["unassigned"]
    assert missing["reasons"] == ["no facility with 30 seats and a projector is free for 180 minutes in the "
                                  "window once the other requests of the batch are placed"]


def test_teachers_share_the_load_when_the_dates_allow_it():
    # Two independent sessions the same morning: one teacher could take both (9:00 and
    # 12:00), but two teachers in parallel rooms keep the busiest one's load lower.
    requests = [request("a", days=1), request("b", days=1)]
    result = solve_batch(requests, RESOURCES, [], [], time_limit=5)
    teachers = {a["resource_ids"][0] for a in result["assignments"]}
    assert teachers == {"ada", "bob"}
    assert result["stats"]["cost"]["heaviest_load"] == 3  # hours
