"""/api/v1/queue-items/{id}: pick, release, route, history (service_desk)."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Body

from gateway.auth import CurrentUser
from gateway.models.queue_items import History, PickItem, RouteItem
from gateway.models.queues import QueueItem
from gateway.openapi import errors
from gateway.routers.cases import SERVICE, Rpc, actions_router, record_action, sent

router = actions_router("queue-items")


@router.get("/{queue_item_id}", response_model=QueueItem, operation_id="get_queue_item",
            summary="Get a queue item", responses=errors(404, 422))
async def get_queue_item(queue_item_id: UUID, rpc: Rpc):
    return await rpc.call(SERVICE, "get_queue_item", queue_item_id=str(queue_item_id))


@router.post("/{queue_item_id}/pick", response_model=QueueItem, operation_id="pick_queue_item",
             summary="Take the item to work on it (409 if someone holds it)", responses=errors(404, 409, 422))
async def pick_queue_item(queue_item_id: UUID, user: CurrentUser, rpc: Rpc,
                          body: Annotated[PickItem | None, Body()] = None):
    return await rpc.call(SERVICE, "pick_queue_item", queue_item_id=str(queue_item_id), user_id=str(user.id),
                          data=sent(body) if body else None)


record_action(router, "release", "release_queue_item", "queue_item_id", QueueItem, "Let go of a held item")


@router.post("/{queue_item_id}/route", response_model=QueueItem, operation_id="route_queue_item",
             summary="Move the item to another queue (its holder lets go)", responses=errors(404, 409, 422))
async def route_queue_item(queue_item_id: UUID, body: RouteItem, user: CurrentUser, rpc: Rpc):
    return await rpc.call(SERVICE, "route_queue_item", queue_item_id=str(queue_item_id), data=sent(body),
                          user_id=str(user.id))


@router.get("/{queue_item_id}/history", response_model=History, operation_id="queue_item_history",
            summary="Who held the item, when, and where it moved", responses=errors(404, 422))
async def queue_item_history(queue_item_id: UUID, rpc: Rpc):
    return await rpc.call(SERVICE, "queue_item_history", queue_item_id=str(queue_item_id))
