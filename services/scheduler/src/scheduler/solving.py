"""POST /scheduler/solve: validate a batch, gather the calendars it needs, solve it in the
solver process (at once, or as a job when it is large), and commit the assignments as
bookings when asked."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

from crmkit.errors import ValidationFailed
from crmkit.records import json_safe, load
from scheduler.bookings import book, clashes
from scheduler.db import RequestRepository, ResourceRepository, lock_calendars
from scheduler.domain.calendars import as_time
from scheduler.jobs import create_job, run_solver, update_job
from scheduler.planning import calendars, services_by_id
from scheduler.schemas import SolveInput

log = logging.getLogger(__name__)

# Beyond these a solve answers at once with a job (HTTP 202) instead of the result.
SYNC_MAX_REQUESTS = 60
SYNC_MAX_SECONDS = 20.0


def _check_requests(requests: list[dict], connection) -> None:
    errors, seen = [], {}
    for n, request in enumerate(requests):
        if request["id"] in seen:
            errors.append({"field": f"requests.{n}.id", "message": f"repeats request {seen[request['id']]}"})
        seen.setdefault(request["id"], n)
    ids = set(seen)
    for n, request in enumerate(requests):
        before = request.get("not_before_request")
        if before is not None and (before not in ids or before == request["id"]):
            errors.append({"field": f"requests.{n}.not_before_request",
                           "message": "must name another request of this batch"})
    missing = set(ResourceRepository(connection).missing({r for q in requests for r in q["preferred_resource_ids"]}))
    for n, request in enumerate(requests):
        for rid in request["preferred_resource_ids"]:
            if rid in missing:
                errors.append({"field": f"requests.{n}.preferred_resource_ids", "message": f"no resource with id {rid}"})
    if errors:
        raise ValidationFailed("Invalid solve request", errors)


def normalise_requests(requests: list[dict]) -> list[dict]:
    out = []
    for request in requests:
        request = dict(request)
        request["service_id"] = str(request["service_id"])
        request["preferred_resource_ids"] = [str(r) for r in request.get("preferred_resource_ids") or []]
        if request.get("regarding"):
            request["regarding"] = {"type": request["regarding"]["type"], "id": str(request["regarding"]["id"])}
        if request.get("account_id"):
            request["account_id"] = str(request["account_id"])
        out.append(request)
    return out


def gather(connection, requests: list[dict], services: dict, time_limit_s: float,
           step_minutes: int | None) -> dict:
    """Everything the solver process needs, as JSON."""
    start = min(as_time(r["window"]["start"]) for r in requests)
    end = max(as_time(r["window"]["end"]) for r in requests)
    resources, groups, busy = calendars(connection, start, end)
    return json_safe({
        "requests": [r | {"service": services[r["service_id"]]} for r in requests],
        "resources": resources, "groups": groups, "busy": busy,
        "time_limit_s": time_limit_s, "step_minutes": step_minutes,
    })


def solve(db, jobs, data, owner_id: str | None = None) -> dict:
    spec = load(SolveInput(), data)
    requests = normalise_requests(spec["requests"])
    with db.reading() as connection:
        services = services_by_id(connection, [r["service_id"] for r in requests],
                                  lambda n: f"requests.{n}.service_id")
        _check_requests(requests, connection)
        batch = gather(connection, requests, services, spec["time_limit_s"], spec.get("step_minutes"))
    background = spec.get("background")
    if background is None:
        background = len(requests) > SYNC_MAX_REQUESTS or spec["time_limit_s"] > SYNC_MAX_SECONDS
    if background:
        with db.unit_of_work() as uow:
            job = create_job(uow.connection, json_safe(spec), spec["time_limit_s"])
        jobs.start(run_job, db, job["id"], batch, requests, services, spec["commit"], owner_id)
        return {"job_id": job["id"], "status": "queued"}
    result = run_solver(batch)
    if spec["commit"]:
        result = commit_new(db, requests, services, result, owner_id)
    return result


def run_job(db, job_id: str, batch: dict, requests, services, commit: bool, owner_id) -> None:
    update_job(db, job_id, status="running")

    def progress(line):
        values = {"progress": line["progress"]}
        if "best" in line:
            values["result"] = {"best_assignments": line["best"]}
        update_job(db, job_id, **values)

    try:
        result = run_solver(batch, progress)
        if commit:
            result = commit_new(db, requests, services, result, owner_id)
        update_job(db, job_id, status="succeeded", result=result, finished_at=datetime.now(timezone.utc))
    except Exception as exc:  # the job records any failure; nobody else would see it
        log.exception("solve job %s failed", job_id)
        update_job(db, job_id, status="failed", error=f"{type(exc).__name__}: {exc}",
                   finished_at=datetime.now(timezone.utc))


def commit_new(db, requests: list[dict], services: dict, result: dict, owner_id) -> dict:
    """Record the batch's requests and book its assignments, in one transaction."""
    batch_id = uuid.uuid4().hex
    with db.unit_of_work() as uow:
        repo = RequestRepository(uow.connection)
        rows = {}
        for request in requests:
            rows[request["id"]] = repo.add(request_row(request, "api", f"solve:{batch_id}:{request['id']}"), owner_id)
        return apply_result(uow, rows, services, result, owner_id)


def request_row(request: dict, source: str, source_ref: str) -> dict:
    regarding = request.get("regarding") or {}
    return {"service_id": request["service_id"], "attendees": request.get("attendees") or 1,
            "window_start": as_time(request["window"]["start"]), "window_end": as_time(request["window"]["end"]),
            "course": request.get("course"), "account_id": request.get("account_id"),
            "regarding_type": regarding.get("type"), "regarding_id": regarding.get("id"),
            "subject": request.get("subject"), "source": source, "source_ref": source_ref,
            "status": "open", "reasons": []}


def apply_result(uow, rows: dict, services: dict, result: dict, owner_id) -> dict:
    """Book each assignment still free now (a booking made while the solver ran wins; its
    request becomes unassigned with that reason) and record every request's outcome."""
    lock_calendars(uow.connection)
    repo = RequestRepository(uow.connection)
    resources = {r["id"]: r for r in ResourceRepository(uow.connection).all()}
    assignments, unassigned = [], list(result["unassigned"])
    for assignment in sorted(result["assignments"], key=lambda a: a["start"]):
        row = rows[assignment["request_id"]]
        chosen = [resources[r] for r in assignment["resource_ids"]]
        start, end = as_time(assignment["start"]), as_time(assignment["end"])
        problems = clashes(uow.connection, chosen, start, end)
        if problems:
            unassigned.append({"request_id": assignment["request_id"],
                               "reasons": [f"booked meanwhile: {p}" for p in problems]})
            continue
        regarding = {"type": row["regarding_type"], "id": row["regarding_id"]} if row["regarding_type"] else None
        booking = book(uow, {"service_id": row["service_id"], "request_id": row["id"],
                             "resource_ids": assignment["resource_ids"], "start": start, "end": end,
                             "attendees": row["attendees"], "regarding": regarding,
                             "account_id": row["account_id"], "subject": row["subject"]},
                       services[row["service_id"]], chosen, owner_id)
        repo.change(row, {"status": "booked", "booking_id": booking["id"], "reasons": []})
        assignments.append(assignment | {"booking_id": booking["id"], "scheduling_request_id": row["id"]})
    for item in unassigned:
        row = rows[item["request_id"]]
        repo.change(row, {"status": "unassigned", "reasons": item["reasons"]})
    status = result["status"]
    if len(assignments) < len(result["assignments"]):
        status = "partial" if assignments else "infeasible"
    return result | {"status": status, "assignments": assignments, "unassigned": unassigned, "committed": True}
