"""The scheduler's routes through the gateway, with the real scheduler service running as
its own process (database and bus of the test session)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from crmkit.testing.waiting import wait_until

PROBLEM = "application/problem+json"
HOURS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


@pytest.fixture(scope="module")
def scheduler(start_service_process):
    return start_service_process("scheduler")


@pytest.fixture
def api(client, auth_headers, scheduler):
    def call(method, path, **kwargs):
        return client.request(method, f"/api/v1/scheduler{path}", headers={**auth_headers, **kwargs.pop("headers", {})},
                              **kwargs)
    return call


def created(response):
    assert response.status_code == 201, response.text
    return response.json()


def monday(weeks_ahead=1):
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7, weeks=weeks_ahead)


@pytest.fixture(scope="module")
def company(client, auth_headers, scheduler):
    """Two teachers and two rooms with their own subject, so tests of the module never
    compete for the same resources."""
    def make(path, body):
        return created(client.post(f"/api/v1/scheduler{path}", json=body, headers=auth_headers))

    subject = f"crm-{uuid.uuid4().hex[:6]}"
    teachers = [make("/resources", {"name": f"Teacher {n}", "kind": "user", "working_hours": HOURS,
                                    "characteristics": [{"name": subject, "rating": 4}]}) for n in range(2)]
    rooms = [make("/resources", {"name": f"Room {n}", "kind": "facility", "capacity": 15 + n,
                                 "features": ["projector"], "working_hours": HOURS}) for n in range(2)]
    service = make("/services", {"name": "Course", "duration_minutes": 120, "slot_minutes": 60, "requirements": [
        {"kind": "user", "characteristics": [{"name": subject, "min_rating": 3}]},
        {"kind": "facility", "features": ["projector"], "min_capacity": "attendees"}]})
    return {"teachers": teachers, "rooms": rooms, "service": service}


def test_resources_are_created_read_changed_and_listed(api, company):
    response = api("POST", "/resources", json={"name": "Beamer", "kind": "equipment", "features": ["hdmi"]})
    beamer = created(response)
    assert response.headers["location"] == f"/api/v1/scheduler/resources/{beamer['id']}"
    assert beamer["capacity"] == 1 and beamer["timezone"] == "UTC" and len(beamer["working_hours"]) == 5
    assert api("GET", f"/resources/{beamer['id']}").json() == beamer
    stale = api("PATCH", f"/resources/{beamer['id']}", json={"name": "Beamer 2"}, headers={"If-Match": '"5"'})
    assert stale.status_code == 412
    changed = api("PATCH", f"/resources/{beamer['id']}", json={"timezone": "Asia/Tokyo"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    rooms = api("GET", "/resources", params={"kind": "facility", "sort": "name"}).json()["items"]
    assert [r["id"] for r in rooms][:2] == [r["id"] for r in company["rooms"]]
    assert api("DELETE", f"/resources/{beamer['id']}").status_code == 204
    assert api("GET", f"/resources/{beamer['id']}").status_code == 404


def test_bad_input_is_a_422_problem_naming_each_field(api):
    response = api("POST", "/resources", json={"kind": "robot", "capacity": 0, "timezone": "Mars/Base"})
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    assert {e["field"] for e in response.json()["errors"]} >= {"name", "kind", "capacity"}
    response = api("POST", "/resources", json={"name": "X", "kind": "user", "timezone": "Mars/Base"})
    assert response.status_code == 422  # known only to the service: still a field error
    assert [e["field"] for e in response.json()["errors"]] == ["timezone"]
    response = api("POST", "/services", json={"name": "S", "duration_minutes": 60,
                                              "requirements": [{"min_capacity": "many"}]})
    assert response.status_code == 422
    assert api("GET", f"/services/{uuid.uuid4()}").status_code == 404


def test_groups_and_services_round_trip(api, company):
    group = created(api("POST", "/resource-groups", json={"name": "Rooms",
                                                          "member_ids": [r["id"] for r in company["rooms"]]}))
    assert sorted(group["member_ids"]) == sorted(r["id"] for r in company["rooms"])
    service = api("GET", f"/services/{company['service']['id']}").json()
    assert service["duration_minutes"] == 120 and service["requirements"][1]["min_capacity"] == "attendees"
    missing = api("POST", "/resource-groups", json={"name": "Ghosts", "member_ids": [str(uuid.uuid4())]})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "member_ids"


def test_booking_availability_and_cancel(api, company):
    start = monday(2).replace(hour=9)
    teacher, room = company["teachers"][0], company["rooms"][0]
    body = {"service_id": company["service"]["id"], "resource_ids": [teacher["id"], room["id"]],
            "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(), "attendees": 10}
    response = api("POST", "/bookings", json=body)
    booking = created(response)
    assert response.headers["location"] == f"/api/v1/scheduler/bookings/{booking['id']}"
    clash = api("POST", "/bookings", json=body)
    assert clash.status_code == 409 and clash.headers["content-type"].startswith(PROBLEM)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=8)).isoformat()}
    answer = api("POST", "/availability", json={"service_id": company["service"]["id"], "attendees": 10,
                                                "window": window, "limit": 1}).json()
    # The other teacher is free at 09:00; the room that fits best (15 seats) is taken, so the 16.
    assert answer["slots"][0]["resource_ids"] == [company["teachers"][1]["id"], company["rooms"][1]["id"]]
    none = api("POST", "/availability", json={"service_id": company["service"]["id"], "attendees": 99,
                                              "window": window}).json()
    assert none == {"service_id": company["service"]["id"], "slots": [],
                    "reasons": ["no facility with 99 seats and a projector exists"]}
    cancelled = api("POST", f"/bookings/{booking['id']}/cancel", json={"reason": "moved"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api("POST", f"/bookings/{booking['id']}/cancel").status_code == 409
    assert api("GET", "/bookings", params={"status": "cancelled"}).json()["items"][0]["id"] == booking["id"]
    assert api("GET", f"/bookings/{uuid.uuid4()}").status_code == 404


def requests_for(company, count, week):
    start = monday(week)
    window = {"start": start.isoformat(), "end": (start + timedelta(days=5)).isoformat()}
    return [{"id": f"r{n}", "service_id": company["service"]["id"], "attendees": 12, "window": window}
            for n in range(count)]


def test_solve_answers_at_once_or_as_a_job(api, company):
    answer = api("POST", "/solve", json={"requests": requests_for(company, 3, 3), "time_limit_s": 3})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status"] in ("optimal", "feasible") and len(result["assignments"]) == 3
    assert result["committed"] is False
    started = api("POST", "/solve", json={"requests": requests_for(company, 4, 4), "time_limit_s": 3,
                                          "background": True, "commit": True})
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    assert location == f"/api/v1/scheduler/jobs/{started.json()['job_id']}"
    job = wait_until(lambda: (j := api("GET", location.removeprefix("/api/v1/scheduler")).json())["status"]
                     in ("succeeded", "failed") and j, timeout=60, interval=0.5, message="the solve job")
    assert job["status"] == "succeeded", job
    assert job["result"]["committed"] is True and len(job["result"]["assignments"]) == 4
    assert all(a["booking_id"] for a in job["result"]["assignments"])
    bad = api("POST", "/solve", json={"requests": [], "time_limit_s": -1})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"requests", "time_limit_s"}


def test_the_openapi_document_describes_every_scheduler_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/scheduler/resources", "/api/v1/scheduler/resources/{resource_id}",
                 "/api/v1/scheduler/resource-groups", "/api/v1/scheduler/services/{service_id}",
                 "/api/v1/scheduler/bookings", "/api/v1/scheduler/bookings/{booking_id}/cancel",
                 "/api/v1/scheduler/availability", "/api/v1/scheduler/solve", "/api/v1/scheduler/jobs/{job_id}"):
        assert path in paths, path
    assert "202" in paths["/api/v1/scheduler/solve"]["post"]["responses"]
