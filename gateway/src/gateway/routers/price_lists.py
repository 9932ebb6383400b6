"""/api/v1/price-lists and their items, owned by the sales service."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Body, Response, status

from gateway.auth import CurrentUser
from gateway.crud import Resource, crud_router
from gateway.models.price_lists import (PriceList, PriceListCreate, PriceListItem, PriceListItemCreate,
                                        PriceListItemUpdate, PriceListListQuery, PriceListUpdate)
from gateway.openapi import errors
from gateway.routers._sales_actions import SERVICE, Rpc

RESOURCE = Resource(
    path="price-lists", singular="price_list", service="sales",
    create_model=PriceListCreate, update_model=PriceListUpdate, record_model=PriceList,
    list_query=PriceListListQuery,
)
router = crud_router(RESOURCE)


@router.get("/{price_list_id}/items", response_model=list[PriceListItem], operation_id="list_price_list_items",
            summary="The list's prices, one item per product", responses=errors(404, 422))
async def list_items(price_list_id: UUID, rpc: Rpc):
    return await rpc.call(SERVICE, "list_price_list_items", price_list_id=str(price_list_id))


@router.post("/{price_list_id}/items", response_model=PriceListItem, status_code=status.HTTP_201_CREATED,
             operation_id="add_price_list_item", summary="Price a product on the list, with quantity tiers",
             responses=errors(404, 422))
async def add_item(price_list_id: UUID, body: Annotated[PriceListItemCreate, Body()], user: CurrentUser,
                   rpc: Rpc, response: Response):
    item = await rpc.call(SERVICE, "add_price_list_item", price_list_id=str(price_list_id),
                          data=body.model_dump(mode="json", exclude_unset=True), owner_id=str(user.id))
    response.headers["Location"] = f"{RESOURCE.location(price_list_id)}/items/{item['id']}"
    return item


@router.patch("/{price_list_id}/items/{item_id}", response_model=PriceListItem,
              operation_id="update_price_list_item", summary="Change an item's amount or tiers "
              "(quotes keep the prices they were given)", responses=errors(404, 422))
async def update_item(price_list_id: UUID, item_id: UUID, body: Annotated[PriceListItemUpdate, Body()], rpc: Rpc):
    return await rpc.call(SERVICE, "update_price_list_item", price_list_id=str(price_list_id),
                          item_id=str(item_id), changes=body.model_dump(mode="json", exclude_unset=True))


@router.delete("/{price_list_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, operation_id="delete_price_list_item", summary="Take a product off the list",
               responses=errors(404, 422))
async def delete_item(price_list_id: UUID, item_id: UUID, rpc: Rpc):
    await rpc.call(SERVICE, "delete_price_list_item", price_list_id=str(price_list_id), item_id=str(item_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
