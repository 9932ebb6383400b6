"""Activities through HTTP: the gateway in-process, the real activities service as a process
on its own database and the tests' vhost."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar


PROBLEM = "application/problem+json"
API = "/api/v1"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def activities_service(start_service_process):
    return start_service_process("activities")


@pytest.fixture
def api(client, auth_headers, activities_service):
    """Calls with the administrator's token."""
    def call(method: str, path: str, **kwargs):
        return client.request(method, f"{API}{path}", headers={**auth_headers, **kwargs.pop("headers", {})}, **kwargs)

    return call


def problem_fields(response) -> set[str]:
    assert response.headers["content-type"] == PROBLEM, response.text
    return {error["field"] for error in response.json()["errors"]}


def test_create_read_timeline_and_actions(api):
    case = {"type": "case", "id": str(uuid.uuid4())}
    created = api("POST", "/activities", json={"type": "phone_call", "subject": "First call", "regarding": case,
                                              "scheduled_start": "2026-11-24T10:30:00+01:00",
                                              "scheduled_end": "2026-11-24T11:00:00+01:00"})
    assert created.status_code == 201, created.text
    call = created.json()
    assert created.headers["location"] == f"{API}/activities/{call['id']}"
    assert (call["status"], call["direction"], call["duration_minutes"]) == ("open", "outgoing", 30)
    assert call["regarding"] == case | {"label": None}
    assert api("GET", f"/activities/{call['id']}").json() == call
    second = api("POST", "/activities", json={"type": "task", "subject": "Then a task", "regarding": case}).json()

    timeline = api("GET", "/activities", params={"regarding_type": "case", "regarding_id": case["id"], "limit": 1})
    assert timeline.status_code == 200, timeline.text
    assert [a["id"] for a in timeline.json()["items"]] == [second["id"]]  # newest first
    rest = api("GET", "/activities", params={"regarding_type": "case", "regarding_id": case["id"],
                                             "cursor": timeline.json()["next_cursor"]}).json()
    assert [a["id"] for a in rest["items"]] == [call["id"]] and rest["next_cursor"] is None

    done = api("POST", f"/activities/{call['id']}/complete", json={"actual_duration_minutes": 25})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["actual_duration_minutes"]) == ("completed", 25)
    again = api("POST", f"/activities/{call['id']}/complete")
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    cancelled = api("POST", f"/activities/{second['id']}/cancel", json={"reason": "not needed"})
    assert cancelled.json()["status"] == "cancelled"
    open_only = api("GET", "/activities", params={"regarding_type": "case", "regarding_id": case["id"],
                                                  "status": "open"}).json()
    assert open_only["items"] == []
    tasks = api("GET", "/activities", params={"regarding_type": "case", "regarding_id": case["id"],
                                              "type": "task"}).json()
    assert [a["id"] for a in tasks["items"]] == [second["id"]]
    assert api("PATCH", f"/activities/{call['id']}", json={"subject": "Too late"}).status_code == 409
    assert api("GET", f"/activities/{uuid.uuid4()}").status_code == 404
    assert api("POST", f"/activities/{uuid.uuid4()}/complete").status_code == 404


def test_invalid_activities_are_422_problems_naming_each_field(api):
    response = api("POST", "/activities", json={"type": "Phone", "priority": "urgent",
                                                 "scheduled_start": "2026-11-24T10:30:00", "colour": "red"})
    assert response.status_code == 422
    assert problem_fields(response) == {"type", "subject", "priority", "scheduled_start", "colour"}
    rules = api("POST", "/activities", json={"type": "appointment", "subject": "No times"})
    assert rules.status_code == 422 and problem_fields(rules) == {"scheduled_start", "scheduled_end"}
    naive_until = api("POST", "/activities", json={
        "type": "recurring_appointment", "subject": "Series", "scheduled_start": "2026-10-05T09:00:00+02:00",
        "scheduled_end": "2026-10-05T10:00:00+02:00",
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO", "until": "2026-12-01T09:00:00"}})
    assert naive_until.status_code == 422 and problem_fields(naive_until) == {"recurrence.until"}


def test_a_custom_type_and_its_validated_fields(api):
    name = f"visit_{uuid.uuid4().hex[:8]}"
    created = api("POST", "/activity-types", json={
        "name": name, "label": "Site visit",
        "fields": [{"name": "mileage_km", "type": "integer", "required": True},
                   {"name": "outcome", "type": "choice", "choices": ["sold", "lost"]}]})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{API}/activity-types/{created.json()['id']}"
    assert api("GET", "/activity-types", params={"name": name}).json()["items"][0]["label"] == "Site visit"
    ok = api("POST", "/activities", json={"type": name, "subject": "Visit", "custom_fields": {"mileage_km": 12}})
    assert ok.status_code == 201, ok.text
    assert ok.json()["custom_fields"] == {"mileage_km": 12}
    bad = api("POST", "/activities", json={"type": name, "subject": "Visit",
                                           "custom_fields": {"mileage_km": "far", "outcome": "maybe"}})
    assert bad.status_code == 422
    assert problem_fields(bad) == {"custom_fields.mileage_km", "custom_fields.outcome"}
    bad_type = api("POST", "/activity-types", json={"name": "task", "label": "Task",
                                                    "fields": [{"name": "x", "type": "float"}]})
    assert bad_type.status_code == 422 and problem_fields(bad_type) == {"fields.0.type"}


def another_user(gateway_db) -> str:
    from gateway import users
    return str(users.create_user(gateway_db, f"colleague-{uuid.uuid4().hex[:8]}", "pw").id)


def test_occurrences_exceptions_and_the_calendar_feed(api, client, gateway_db):
    owner = another_user(gateway_db)
    series = api("POST", "/activities", json={
        "type": "recurring_appointment", "subject": "Weekly review", "owner_id": owner,
        "scheduled_start": "2026-10-19T09:00:00+02:00", "scheduled_end": "2026-10-19T10:00:00+02:00",
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Paris", "until": "2026-11-09"}})
    assert series.status_code == 201, series.text
    series_id = series.json()["id"]
    moved = api("POST", f"/activities/{series_id}/exceptions", json={
        "original_start": "2026-11-02T09:00:00+01:00", "scheduled_start": "2026-11-03T09:00:00+01:00",
        "scheduled_end": "2026-11-03T10:00:00+01:00"})
    assert moved.status_code == 200, moved.text
    occurrences = api("GET", f"/activities/{series_id}/occurrences",
                      params={"start": "2026-10-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"})
    assert occurrences.status_code == 200, occurrences.text
    starts = [datetime.fromisoformat(o["start"]).astimezone(PARIS) for o in occurrences.json()["items"]]
    assert [(s.month, s.day, s.hour) for s in starts] == [(10, 19, 9), (10, 26, 9), (11, 3, 9), (11, 9, 9)]
    naive = api("GET", f"/activities/{series_id}/occurrences", params={"start": "2026-10-01T00:00:00"})
    assert naive.status_code == 422 and problem_fields(naive) == {"start", "end"}

    feed = api("GET", "/activities/calendar.ics", params={"owner_id": owner})
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    [main] = [e for e in Calendar.from_ical(feed.content).walk("VEVENT") if "RRULE" in e]
    assert main["RRULE"]["FREQ"] == ["WEEKLY"] and main["RRULE"]["BYDAY"] == ["MO"]
    token = api("POST", "/auth/token", json={"username": "admin", "password": "admin-test-password"}).json()
    subscribed = client.get(f"{API}/activities/calendar.ics",
                            params={"owner_id": owner, "access_token": token["access_token"]})
    assert subscribed.status_code == 200 and subscribed.content == feed.content
    assert client.get(f"{API}/activities/calendar.ics", params={"owner_id": owner}).status_code == 401
    assert client.get(f"{API}/activities/calendar.ics",
                      params={"owner_id": owner, "access_token": "forged"}).status_code == 401


def test_my_work_defaults_to_the_callers_open_activities(api, gateway_db):
    mine = api("POST", "/activities", json={"type": "task", "subject": "Mine", "due_at": "2020-01-01T09:00:00Z"}).json()
    api("POST", "/activities", json={"type": "task", "subject": "Theirs", "owner_id": another_user(gateway_db),
                                     "due_at": "2020-01-01T09:00:00Z"})
    overdue = api("GET", "/activities/my-work", params={"view": "overdue"})
    assert overdue.status_code == 200, overdue.text
    assert mine["id"] in [a["id"] for a in overdue.json()["items"]]
    assert "Theirs" not in [a["subject"] for a in overdue.json()["items"]]
    bad = api("GET", "/activities/my-work", params={"view": "someday", "timezone": "Nowhere/City"})
    assert bad.status_code == 422 and "view" in problem_fields(bad)


def test_the_openapi_document_describes_every_activities_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/activities", "/api/v1/activities/{activity_id}", "/api/v1/activities/calendar.ics",
                 "/api/v1/activities/my-work", "/api/v1/activities/{activity_id}/complete",
                 "/api/v1/activities/{activity_id}/cancel", "/api/v1/activities/{activity_id}/exceptions",
                 "/api/v1/activities/{activity_id}/occurrences", "/api/v1/activity-types",
                 "/api/v1/activity-types/{activity_type_id}"):
        assert path in paths, path
