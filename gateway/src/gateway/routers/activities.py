"""/api/v1/activities: records, a record's timeline (`?regarding_type&regarding_id`), actions,
"my work", occurrences of recurring series and the iCalendar feed. Owned by activities.

The fixed paths (calendar.ics, my-work) are declared before the CRUD routes, whose
`/{activity_id}` would otherwise take them (and answer 422 for a non-UUID id)."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from gateway import auth, deps, users
from gateway.access import enforce
from gateway.auth import CurrentUser
from gateway.crud import API_PREFIX, Resource, crud_router
from gateway.models.activities import (Activity, ActivityCreate, ActivityListQuery, ActivityUpdate, CalendarQuery,
                                       CancelRequest, CompleteRequest, ExceptionRequest, MyWorkQuery,
                                       OccurrenceQuery, Occurrences)
from gateway.models.common import Page
from gateway.openapi import errors
from gateway.rpc import RpcClient

SERVICE = "activities"
PREFIX = f"{API_PREFIX}/activities"
Rpc = Annotated[RpcClient, Depends(deps.rpc)]

router = APIRouter(tags=["activities"], responses=errors(401, 503))


async def feed_reader(request: Request, query: Annotated[CalendarQuery, Query()]) -> users.User:
    """Calendar apps (Outlook, Google Calendar) subscribe to a URL and cannot send headers, so
    the feed also takes the bearer token as `access_token`."""
    settings = deps.settings_of(request)
    user_id = (auth.user_id_from_authorization(settings, request.headers.get("Authorization"))
               or (query.access_token and auth.user_id_from_token(settings, query.access_token)))
    user = await users.get_active_user(deps.engine_of(request), user_id) if user_id else None
    if user is None:
        raise auth.unauthorized("A bearer token (header or access_token) is required.", invalid_token=True)
    await enforce.authorize(request, user)
    return user


@router.get(f"{PREFIX}/calendar.ics", operation_id="activities_calendar", response_class=Response,
            summary="iCalendar feed of an owner's (or a resource's) appointments, series with their rules",
            responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
                             "description": "An RFC 5545 calendar"}} | errors(422))
async def calendar_feed(query: Annotated[CalendarQuery, Query()], user: Annotated[users.User, Depends(feed_reader)],
                        rpc: Rpc, request: Request) -> Response:
    enforce.require_owner_readable(request, query.owner_id)
    owner_id = query.owner_id or (None if query.resource_id else user.id)
    body = await rpc.call(SERVICE, "calendar_feed", owner_id=owner_id and str(owner_id),
                          resource_id=query.resource_id and str(query.resource_id))
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="activities.ics"'})


@router.get(f"{PREFIX}/my-work", response_model=Page[Activity], operation_id="my_work",
            summary="An owner's open activities, earliest due first: all, overdue, or due today",
            dependencies=[Depends(auth.current_user)], responses=errors(422))
async def my_work(query: Annotated[MyWorkQuery, Query()], user: CurrentUser, rpc: Rpc, request: Request):
    enforce.require_owner_readable(request, query.owner_id)
    return await rpc.call(SERVICE, "my_work", owner_id=str(query.owner_id or user.id), view=query.view,
                          timezone=query.timezone, limit=query.limit, cursor=query.cursor)


router.include_router(crud_router(Resource(
    path="activities", singular="activity", service=SERVICE,
    create_model=ActivityCreate, update_model=ActivityUpdate, record_model=Activity,
    list_query=ActivityListQuery,
)))

actions = APIRouter(prefix=PREFIX, tags=["activities"], dependencies=[Depends(auth.current_user)],
                    responses=errors(401, 503))


@actions.post("/{activity_id}/complete", response_model=Activity, operation_id="complete_activity",
              summary="open -> completed; publishes ActivityCompleted", responses=errors(404, 409, 422))
async def complete(activity_id: UUID, rpc: Rpc, body: Annotated[CompleteRequest | None, Body()] = None):
    return await rpc.call(SERVICE, "complete_activity", activity_id=str(activity_id),
                          data=body.model_dump(mode="json", exclude_unset=True) if body else {})


@actions.post("/{activity_id}/cancel", response_model=Activity, operation_id="cancel_activity",
              summary="open -> cancelled", responses=errors(404, 409, 422))
async def cancel(activity_id: UUID, rpc: Rpc, body: Annotated[CancelRequest | None, Body()] = None):
    return await rpc.call(SERVICE, "cancel_activity", activity_id=str(activity_id),
                          data=body.model_dump(mode="json", exclude_unset=True) if body else {})


@actions.post("/{activity_id}/exceptions", response_model=Activity, operation_id="add_activity_exception",
              summary="Cancel or move one occurrence of a recurring appointment", responses=errors(404, 409, 422))
async def add_exception(activity_id: UUID, body: Annotated[ExceptionRequest, Body()], rpc: Rpc):
    return await rpc.call(SERVICE, "add_activity_exception", activity_id=str(activity_id),
                          data=body.model_dump(mode="json", exclude_unset=True))


@actions.get("/{activity_id}/occurrences", response_model=Occurrences, operation_id="list_activity_occurrences",
             summary="Occurrences of a recurring appointment in [start, end), exceptions applied",
             responses=errors(404, 422))
async def occurrences(activity_id: UUID, query: Annotated[OccurrenceQuery, Query()], rpc: Rpc):
    items = await rpc.call(SERVICE, "list_occurrences", activity_id=str(activity_id),
                           start=query.start.isoformat(), end=query.end.isoformat())
    return {"items": items}


router.include_router(actions)
