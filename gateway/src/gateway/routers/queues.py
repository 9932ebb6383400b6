"""/api/v1/queues (with their items) and /api/v1/routing-rules, owned by the service_desk service."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Response, status

from gateway.auth import CurrentUser
from gateway.crud import API_PREFIX, Resource, crud_router
from gateway.models.queues import (Queue, QueueCreate, QueueItem, QueueItemCreate, QueueItemListQuery,
                                   QueueItemPage, QueueListQuery, QueueUpdate, RoutingRule, RoutingRuleCreate,
                                   RoutingRuleListQuery, RoutingRuleUpdate)
from gateway.openapi import errors
from gateway.routers.cases import SERVICE, Rpc, actions_router, combined, sent

items = actions_router("queues")


@items.get("/{queue_id}/items", response_model=QueueItemPage, operation_id="list_queue_items",
           summary="Items in the queue (active ones unless `status` says otherwise)", responses=errors(404, 422))
async def list_queue_items(queue_id: UUID, query: Annotated[QueueItemListQuery, Query()], user: CurrentUser,
                           rpc: Rpc):
    return await rpc.call(SERVICE, "list_queue_items", queue_id=str(queue_id), filters=query.filters(),
                          sort=query.sort, limit=query.limit, cursor=query.cursor, user_id=str(user.id))


@items.post("/{queue_id}/items", response_model=QueueItem, status_code=status.HTTP_201_CREATED,
            operation_id="add_queue_item", summary="Put a case or an activity in the queue",
            responses=errors(404, 409, 422))
async def add_queue_item(queue_id: UUID, body: QueueItemCreate, user: CurrentUser, rpc: Rpc, response: Response):
    item = await rpc.call(SERVICE, "add_queue_item", queue_id=str(queue_id), data=sent(body), user_id=str(user.id))
    response.headers["Location"] = f"{API_PREFIX}/queue-items/{item['id']}"
    return item


router = combined(
    crud_router(Resource(path="queues", singular="queue", service=SERVICE, create_model=QueueCreate,
                         update_model=QueueUpdate, record_model=Queue, list_query=QueueListQuery)),
    items,
    crud_router(Resource(path="routing-rules", singular="routing_rule", service=SERVICE,
                         create_model=RoutingRuleCreate, update_model=RoutingRuleUpdate, record_model=RoutingRule,
                         list_query=RoutingRuleListQuery)),
)
