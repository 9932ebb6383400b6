"""POST /scheduler/solve through RPC: a batch solved at once or as a job, committed into
bookings and events; the QuoteAccepted consumer turning service lines into bookings."""
import copy
import uuid
from datetime import timedelta

import pytest

from crmkit.errors import ValidationFailed
from crmkit.testing.bus import publish_event
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until
from helpers import course, iso, next_monday, room, teacher
from scheduler.domain.calendars import as_time


@pytest.fixture
def company(scheduler):
    rpc = scheduler.rpc
    teachers = [rpc.create_resource(teacher(name, {"crm": rating}, user_id=str(uuid.uuid4())))
                for name, rating in (("Ada", 5), ("Bob", 3), ("Cy", 1))]
    rooms = [rpc.create_resource(room(name, seats, features)) for name, seats, features in
             (("Lab", 12, ["projector"]), ("Hall", 40, ["projector"]), ("Den", 20, []))]
    return {"teachers": teachers, "rooms": rooms, "service": rpc.create_service(course())}


def requests(company, count, attendees=12, days=5, course_name=None):
    monday = next_monday()
    window = {"start": iso(monday), "end": iso(monday + timedelta(days=days))}
    out = []
    for n in range(count):
        item = {"id": f"r{n}", "service_id": company["service"]["id"], "attendees": attendees, "window": window}
        if course_name:
            item["course"] = course_name
            if n:
                item["not_before_request"] = f"r{n - 1}"
        out.append(item)
    return out


def no_double_booking(assignments):
    spans = [(r, as_time(a["start"]), as_time(a["end"])) for a in assignments for r in a["resource_ids"]]
    for i, (r, s, e) in enumerate(spans):
        for r2, s2, e2 in spans[i + 1:]:
            assert not (r == r2 and s < e2 and s2 < e), (r, s, e, s2, e2)


def test_a_batch_is_solved_and_committed_into_bookings_and_events(scheduler, company):
    answer = scheduler.rpc.solve({"requests": requests(company, 3, course_name="course-1"), "time_limit_s": 5,
                                  "commit": True})
    assert answer["status"] in ("optimal", "feasible") and answer["unassigned"] == []
    assert answer["committed"] is True and len(answer["assignments"]) == 3
    qualified = {t["id"] for t in company["teachers"][:2]}
    for assignment in answer["assignments"]:
        teacher_id, room_id = assignment["resource_ids"]
        assert teacher_id in qualified and room_id == company["rooms"][0]["id"]  # Lab: 12 seats, projector
    no_double_booking(answer["assignments"])
    days = {as_time(a["start"]).date() for a in answer["assignments"]}
    assert len(days) == 3  # a course's sessions on different days
    assert scheduler.sql.scalar("SELECT count(*) FROM bookings WHERE status = 'booked'") == 3
    assert scheduler.sql.scalar("SELECT count(*) FROM outbox WHERE event_type = 'BookingCreated'") == 3
    assert scheduler.sql.scalar("SELECT count(*) FROM scheduling_requests WHERE status = 'booked'") == 3
    # Solving again without commit respects the bookings just made.
    again = scheduler.rpc.solve({"requests": requests(company, 2), "time_limit_s": 3})
    no_double_booking(answer["assignments"] + again["assignments"])
    assert "committed" not in again


def test_an_impossible_request_is_unassigned_with_its_reason(scheduler, company):
    answer = scheduler.rpc.solve({"requests": requests(company, 1, attendees=45), "time_limit_s": 2, "commit": True})
    assert answer["status"] == "infeasible" and answer["assignments"] == []
    assert answer["unassigned"] == [{"request_id": "r0",
                                     "reasons": ["no facility with 45 seats and a projector exists"]}]
    assert scheduler.sql.scalar("SELECT count(*) FROM bookings") == 0
    assert scheduler.sql.rows("SELECT status, reasons FROM scheduling_requests") == [
        {"status": "unassigned", "reasons": ["no facility with 45 seats and a projector exists"]}]


def test_bad_batches_list_every_bad_field(scheduler, company):
    batch = requests(company, 2)
    batch[1]["id"] = "r0"
    batch[0]["not_before_request"] = "nobody"
    batch[0]["preferred_resource_ids"] = [str(uuid.uuid4())]
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.solve({"requests": batch})
    assert {e["field"] for e in raised.value.errors} == {"requests.1.id", "requests.0.not_before_request",
                                                         "requests.0.preferred_resource_ids"}
    batch = requests(company, 1)
    batch[0]["service_id"] = str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.solve({"requests": batch, "time_limit_s": 0})
    assert {e["field"] for e in raised.value.errors} == {"time_limit_s"}
    with pytest.raises(ValidationFailed) as raised:
        scheduler.rpc.solve({"requests": batch})
    assert [e["field"] for e in raised.value.errors] == ["requests.0.service_id"]


def test_a_large_solve_runs_as_a_job_while_the_service_keeps_answering(scheduler, company):
    started = scheduler.rpc.solve({"requests": requests(company, 12, days=10), "time_limit_s": 4,
                                   "background": True, "commit": True})
    assert started["status"] == "queued"
    # The solver runs in its own process: the service answers other calls meanwhile.
    assert scheduler.rpc.health()["status"] == "ok"
    job = wait_until(lambda: (j := scheduler.rpc.get_job(started["job_id"]))["status"] in ("succeeded", "failed") and j,
                     timeout=90, interval=0.5, message="the job to finish")
    assert job["status"] == "succeeded", job
    assert job["progress"]["total"] == 12 and job["progress"]["placed"] == 12
    assert len(job["result"]["assignments"]) == 12 and job["result"]["committed"] is True
    no_double_booking(job["result"]["assignments"])
    assert scheduler.sql.scalar("SELECT count(*) FROM bookings") == 12


def quote_accepted(service_id, quantity="3", attendees=None):
    event = copy.deepcopy(example_event("sales", "QuoteAccepted"))
    event["event_id"] = str(uuid.uuid4())
    event["payload"]["order_id"] = str(uuid.uuid4())
    line = event["payload"]["lines"][0]
    line["scheduling_service_id"], line["quantity"] = service_id, quantity
    if attendees is not None:
        line["attendees"] = attendees
    return event


def test_quote_accepted_books_each_session_sold_exactly_once(scheduler, company):
    event = quote_accepted(company["service"]["id"])
    publish_event(scheduler.amqp_uri, event)
    wait_until(lambda: scheduler.sql.scalar("SELECT count(*) FROM bookings") == 3, timeout=60,
               message="three bookings")
    rows = scheduler.sql.rows("SELECT * FROM bookings ORDER BY start")
    payload = event["payload"]
    assert {str(r["account_id"]) for r in rows} == {payload["account_id"]}
    assert {(r["regarding_type"], str(r["regarding_id"])) for r in rows} == {("order", payload["order_id"])}
    assert [r["subject"] for r in rows] == [f"{payload['lines'][0]['product_name']}, session {n} of 3"
                                            for n in (1, 2, 3)]
    assert len({r["start"].date() for r in rows}) == 3
    assert all(r["attendees"] == 12 for r in rows)  # the service's default attendees
    publish_event(scheduler.amqp_uri, event)  # redelivered: nothing new
    wait_until(lambda: scheduler.sql.scalar("SELECT count(*) FROM inbox") == 1, timeout=30)
    publish_event(scheduler.amqp_uri, quote_accepted(company["service"]["id"], quantity="1", attendees=50))
    wait_until(lambda: scheduler.sql.scalar("SELECT count(*) FROM inbox") == 2, timeout=60)
    assert scheduler.sql.scalar("SELECT count(*) FROM bookings") == 3
    assert scheduler.sql.scalar("SELECT count(*) FROM outbox WHERE event_type = 'BookingCreated'") == 3
    [unassigned] = scheduler.sql.rows("SELECT reasons FROM scheduling_requests WHERE status = 'unassigned'")
    assert unassigned["reasons"] == ["no facility with 50 seats and a projector exists"]


def test_quotes_accepted_at_once_book_every_session_when_there_is_room(scheduler, company):
    """Concurrent QuoteAccepted handlers solve against the same free calendars; the one that
    commits second must not lose its sessions to a clash ("booked meanwhile") but solve again."""
    events = [quote_accepted(company["service"]["id"]) for _ in range(4)]
    for event in events:
        publish_event(scheduler.amqp_uri, event)
    wait_until(lambda: scheduler.sql.scalar("SELECT count(*) FROM inbox") == 4, timeout=120,
               message="the four quotes handled")
    assert scheduler.sql.rows("SELECT status, reasons FROM scheduling_requests WHERE status <> 'booked'") == []
    booked = scheduler.sql.rows("SELECT regarding_id::text AS order_id, count(*) AS n FROM bookings "
                                "WHERE status = 'booked' GROUP BY regarding_id")
    assert sorted(row["n"] for row in booked) == [3, 3, 3, 3]
    assert {row["order_id"] for row in booked} == {event["payload"]["order_id"] for event in events}
