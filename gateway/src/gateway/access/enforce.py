"""The check every API request passes before its handler: the route's resource and privilege
(`catalog`), the caller's level for it (403 without one), and for a record of a user- or
team-owned resource, the record itself: outside what the caller may read it is 404, as if it
did not exist; readable but outside the privilege's reach, 403. Lists get the reach to pass
to their service, which filters in SQL."""
from __future__ import annotations

import uuid

from fastapi import Request

from gateway.access import catalog, principals
from gateway.access.caller import EVERYTHING, NOTHING, Caller, Reach
from gateway.problems import Problem
from gateway.users import User


async def caller_of(request: Request, user: User) -> Caller:
    """The caller's access, loaded once per request."""
    caller = getattr(request.state, "caller", None)
    if caller is None or caller.user.id != user.id:
        caller = await Caller.load(request.app.state.engine, user)
        request.state.caller = caller
    return caller


def not_granted(resource: str, privilege: str) -> Problem:
    return Problem(403, f"Your roles do not grant the {privilege} privilege on {resource}.")


def not_found(secured: catalog.Secured, record_id: object) -> Problem:
    return Problem(404, f"No {secured.label} with id {record_id}")


async def authorize(request: Request, user: User) -> None:
    route = request.scope.get("route")
    template = getattr(route, "path_format", None)
    if template is None or not template.startswith(catalog.API_PREFIX):
        return  # not an API route (UI pages call the API in-process, and are checked there)
    rule = catalog.classify(request.method, template)
    if rule is None:
        raise Problem(403, "No role grants access to this route.")
    if rule.privilege is None:
        return
    name = rule.resource or request.path_params.get(rule.resource_param)
    secured = catalog.RESOURCES.get(name)
    if secured is None:
        return  # an unknown resource in the path: the handler answers 404 / 422
    caller = await caller_of(request, user)
    if secured.owned and rule.record_param is not None:
        # One record: outside what the caller may read it does not exist for them (404), even
        # when no role grants them the privilege at all; readable but out of reach, 403.
        if not rule.checked_by_handler:
            await require_on_record(request, caller, secured, rule.privilege,
                                    request.path_params.get(rule.record_param, ""))
        return
    if caller.level(secured.name, rule.privilege) == "none":
        raise not_granted(secured.name, rule.privilege)
    if secured.owned:
        request.state.reach = await caller.reach(secured.name, rule.privilege)


async def require_on_record(request: Request, caller: Caller, secured: catalog.Secured, privilege: str,
                            record_id: str) -> None:
    """The record must be within reach for `privilege`. Someone whose read and `privilege`
    reach the whole organisation needs no look at the record (nor does a malformed id:
    FastAPI answers 422 for the path before the handler runs)."""
    readable = await caller.reach(secured.name, "read")
    if readable is EVERYTHING and await caller.reach(secured.name, privilege) is EVERYTHING:
        return
    try:
        uuid.UUID(record_id)
    except ValueError:
        return
    if readable is NOTHING:
        raise not_found(secured, record_id)
    record = getattr(request.state, "record", None)
    if record is None:
        record = await request.app.state.rpc.call(secured.service, f"get_{secured.singular}",
                                                  **{f"{secured.singular}_id": record_id})
    await require_record(caller, secured, privilege, record)
    request.state.record = record


async def require_record(caller: Caller, secured: catalog.Secured, privilege: str, record: dict) -> None:
    if not (await caller.reach(secured.name, "read")).covers(record):
        raise not_found(secured, record.get("id"))
    if privilege == "read":
        return
    if caller.level(secured.name, privilege) == "none":
        raise not_granted(secured.name, privilege)
    if not (await caller.reach(secured.name, privilege)).covers(record):
        raise Problem(403, f"This {secured.label} is outside your reach for the {privilege} privilege.")


def list_reach(request: Request) -> Reach:
    """The reach `authorize` computed for a list of this request (everything for
    organisation-owned resources)."""
    return getattr(request.state, "reach", EVERYTHING)


def require_owner_readable(request: Request, owner_id: object | None) -> None:
    """Someone else's work (my-work, calendar feeds of `owner_id`): their records must be
    within the caller's read reach."""
    if owner_id is not None and not list_reach(request).covers({"owner_id": str(owner_id)}):
        raise Problem(403, f"The records of {owner_id} are outside your reach.")


async def require_principal(request: Request, principal_id: object, field: str = "owner_id") -> str:
    """"user" or "team": what a record may be given or shared to; 422 on `field` otherwise."""
    kind = await principals.kind_of(request.app.state.engine, uuid.UUID(str(principal_id)))
    if kind is None:
        raise Problem(422, "No active user or team has this id.", [{"field": field, "message": "no such user or team"}])
    return kind


async def require_owner_in_reach(request: Request, user: User, secured: catalog.Secured, owner_id: str) -> None:
    """Creating a record for someone else: they must be within the caller's assign reach."""
    await require_principal(request, owner_id)
    reach = await (await caller_of(request, user)).reach(secured.name, "assign")
    if not reach.covers({"owner_id": owner_id}):
        raise Problem(403, f"You cannot create a {secured.label} owned by {owner_id}: "
                           "they are outside your reach for the assign privilege.")
