"""QuoteAccepted: each unit sold of a product naming a scheduler service becomes one
scheduling request for the account (sessions of one line form a course, in order), solved
and booked at once within the following weeks. The consumer's unit of work holds the
inbox claim, the requests, the bookings and their events: all or nothing, exactly once.

Acceptances handled at the same time solve against the same free calendars: the solve runs
without the calendar lock (it takes seconds), then the lock is taken and, if another
acceptance booked any of the chosen times meanwhile, the requests are solved again under the
lock against everything committed, so no session is left unassigned while there is room."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from crmkit.config import env
from scheduler.bookings import clashes
from scheduler.db import RequestRepository, ResourceRepository, ServiceRepository, lock_calendars
from scheduler.domain.calendars import as_time
from scheduler.jobs import run_solver
from scheduler.solving import apply_result, gather, request_row

MAX_SESSIONS_PER_LINE = 100


def window_weeks() -> int:
    return int(env("CRM_SCHEDULER_QUOTE_WINDOW_WEEKS", "6"))


def solve_seconds() -> float:
    return float(env("CRM_SCHEDULER_QUOTE_SOLVE_SECONDS", "10"))


def units_of(quantity) -> int:
    """Sessions to schedule for a quantity sold: whole units, a fraction counting as one."""
    try:
        return max(0, min(MAX_SESSIONS_PER_LINE, math.ceil(Decimal(str(quantity)))))
    except (InvalidOperation, ValueError):
        return 0


def on_quote_accepted(uow, envelope) -> dict:
    payload = envelope.payload
    lines = [(n, line) for n, line in enumerate(payload.get("lines") or [])
             if line.get("is_service") and line.get("scheduling_service_id")]
    if not lines:
        return {"requests": 0}
    accepted = max(envelope.occurred_at, datetime.now(timezone.utc))
    start = (accepted + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(weeks=window_weeks())
    regarding = ({"type": "order", "id": payload["order_id"]} if payload.get("order_id")
                 else {"type": "quote", "id": payload.get("quote_id")})
    repo, services = RequestRepository(uow.connection), ServiceRepository(uow.connection)
    rows, batch_requests, known = {}, [], {}
    for n, line in lines:
        service_id = str(line["scheduling_service_id"])
        service = services.get(service_id)
        units = units_of(line.get("quantity"))
        attendees = int(line.get("attendees") or (service or {}).get("default_attendees") or 1)
        course = f"{regarding['type']}:{regarding['id']}:line{n}"
        previous = None
        for unit in range(1, units + 1):
            request = {"service_id": service_id, "attendees": attendees,
                       "window": {"start": start, "end": end}, "course": course, "regarding": regarding,
                       "account_id": payload.get("account_id"),
                       "subject": f"{line.get('product_name') or (service or {}).get('name')}, session {unit} of {units}"}
            row = repo.add(request_row(request, "quote_accepted", f"{envelope.event_id}:{n}:{unit}"), None)
            if previous is not None:
                row = repo.change(row, {"not_before_request_id": previous["id"]})
            if service is None:
                repo.change(row, {"status": "unassigned",
                                  "reasons": [f"no scheduler service with id {service_id}"]})
            else:
                known[service_id] = service
                rows[row["id"]] = row
                batch_requests.append(request | {"id": row["id"], "preferred_resource_ids": [],
                                                 "not_before_request": previous["id"] if previous else None})
            previous = row
    if not batch_requests:
        return {"requests": len(rows)}
    result = run_solver(gather(uow.connection, batch_requests, known, solve_seconds(), None))
    lock_calendars(uow.connection)  # held to the commit: no booking can come in between now
    if booked_meanwhile(uow.connection, result):
        result = run_solver(gather(uow.connection, batch_requests, known, solve_seconds(), None))
    result = apply_result(uow, rows, known, result, None)
    return {"requests": len(rows), "booked": len(result["assignments"])}


def booked_meanwhile(connection, result: dict) -> bool:
    """Whether a booking committed since the solve read the calendars takes a chosen time."""
    resources = {r["id"]: r for r in ResourceRepository(connection).all()}
    return any(clashes(connection, [resources[r] for r in assignment["resource_ids"]],
                       as_time(assignment["start"]), as_time(assignment["end"]))
               for assignment in result["assignments"])

