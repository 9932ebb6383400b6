"""GET /api/v1/customers/{account_id}: the customer 360 view, assembled from every service's
`customer_overview(account_id)` RPC, called in parallel. A service that does not answer within
its budget leaves its sections empty and named in `unavailable`; the call still answers."""
from __future__ import annotations

import asyncio
import copy
import logging
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request

from crmkit.config import env
from gateway import deps
from gateway.access import catalog, enforce
from gateway.auth import CurrentUser, current_user
from gateway.models.customers import Customer360
from gateway.openapi import errors
from gateway.rpc import RemoteError, RpcClient, ServiceUnavailable

log = logging.getLogger(__name__)

# Well under a second in all, so the page answers within 1 s with a service stopped.
BUDGET_S = float(env("CRM_CUSTOMER360_BUDGET_S", "0.6"))

EMPTY = {
    "account": None, "contacts": [],
    "opportunities": {"open": [], "won_count": 0, "won_revenue": {}, "lost_count": 0},
    "quotes": [], "orders": [], "invoices": {"open": [], "paid_total": {}, "overdue": []},
    "cases": {"open": [], "open_count": 0, "resolved_count": 0, "time_spent_minutes": 0},
    "contracts": [],
    "activities": {"counts_by_type": {}, "counts_by_status": {}, "time_spent_minutes": 0, "recent": []},
    "campaigns": [], "bookings": [],
}


def _sales(answer: dict) -> dict:
    return {key: answer[key] for key in ("account", "contacts", "opportunities", "quotes", "orders", "invoices")}


# service -> (its sections, how its answer maps onto them)
SOURCES = {
    "sales": (("account", "contacts", "opportunities", "quotes", "orders", "invoices"), _sales),
    "service_desk": (("cases", "contracts"), lambda a: {"cases": a["cases"], "contracts": a["contracts"]}),
    "activities": (("activities",), lambda a: {"activities": {k: v for k, v in a.items() if k != "account_id"}}),
    "marketing": (("campaigns",), lambda a: {"campaigns": a["campaigns"]}),
    "scheduler": (("bookings",), lambda a: {"bookings": a["upcoming"]}),
}

# Lists of records in the view, by the resource whose read privilege decides who sees them.
SECTION_RESOURCES = {
    ("contacts",): "contacts", ("opportunities", "open"): "opportunities", ("quotes",): "quotes",
    ("orders",): "orders", ("invoices", "open"): "invoices", ("invoices", "overdue"): "invoices",
    ("cases", "open"): "cases", ("contracts",): "contracts", ("activities", "recent"): "activities",
}


async def within_reach(view: dict, request: Request, user) -> dict:
    """The account itself must be readable (404 otherwise, as for GET /accounts/{id}); the
    records listed in its sections are those the caller may read. Counts and totals stay
    whole: they describe the customer, not the records."""
    caller = await enforce.caller_of(request, user)
    if caller.user.is_admin:
        return view
    if view["account"] is not None:  # None: sales did not answer; every listed record is still checked
        await enforce.require_record(caller, catalog.RESOURCES["accounts"], "read", view["account"])
    for path, resource in SECTION_RESOURCES.items():
        *parents, key = path
        holder = view
        for parent in parents:
            holder = holder[parent]
        reach = await caller.reach(resource, "read")
        holder[key] = [item for item in holder[key] if "owner_id" not in item or reach.covers(item)]
    return view


router = APIRouter(prefix="/api/v1/customers", tags=["customers"], dependencies=[Depends(current_user)],
                   responses=errors(401))


@router.get("/{account_id}", response_model=Customer360, operation_id="get_customer_360",
            summary="Everything about one customer account, from every service",
            responses=errors(404, 422, 503))
async def customer_360(account_id: Annotated[UUID, Path()], user: CurrentUser, request: Request,
                       rpc: Annotated[RpcClient, Depends(deps.rpc)]) -> dict:
    names = list(SOURCES)
    answers = await asyncio.gather(
        *(rpc.call(name, "customer_overview", timeout_s=BUDGET_S, account_id=str(account_id)) for name in names),
        return_exceptions=True)
    view = copy.deepcopy(EMPTY)
    unavailable = []
    for name, answer in zip(names, answers):
        sections, pick = SOURCES[name]
        if isinstance(answer, RemoteError) and name == "sales" and answer.exc_type == "NotFound":
            raise answer  # no such account: 404, as for any record
        if isinstance(answer, (ServiceUnavailable, RemoteError)):
            # A failing service is as good as a silent one for this page; say which.
            log.warning("customer 360 of %s without %s: %s", account_id, name, answer)
            unavailable.extend(sections)
            continue
        if isinstance(answer, BaseException):
            raise answer
        view.update(pick(answer))
    return await within_reach(view, request, user) | {"unavailable": unavailable}
