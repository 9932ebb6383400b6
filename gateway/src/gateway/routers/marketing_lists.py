"""/api/v1/marketing-lists and their members, owned by the marketing service."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Body, Depends, Query, Response, status

from gateway import deps
from gateway.crud import Resource, crud_router
from gateway.models.common import Page
from gateway.models.marketing_lists import (MarketingList, MarketingListCreate, MarketingListListQuery,
                                            MarketingListUpdate, Member, MembersAdd, MembersChanged,
                                            PageQuery)
from gateway.openapi import errors
from gateway.rpc import RpcClient

router = crud_router(Resource(
    path="marketing-lists", singular="marketing_list", service="marketing",
    create_model=MarketingListCreate, update_model=MarketingListUpdate, record_model=MarketingList,
    list_query=MarketingListListQuery,
))
Rpc = Annotated[RpcClient, Depends(deps.rpc)]


@router.get("/{marketing_list_id}/members", response_model=Page[Member],
            operation_id="list_marketing_list_members", summary="Members of a list (a dynamic "
            "list's query is evaluated now)", responses=errors(404, 422))
async def list_members(marketing_list_id: UUID, query: Annotated[PageQuery, Query()], rpc: Rpc):
    return await rpc.call("marketing", "list_marketing_list_members", marketing_list_id=str(marketing_list_id),
                          limit=query.limit, cursor=query.cursor)


@router.post("/{marketing_list_id}/members", response_model=MembersChanged,
             operation_id="add_marketing_list_members",
             summary="Add members to a static list by id (409 on a dynamic list)",
             responses=errors(404, 409, 422))
async def add_members(marketing_list_id: UUID, body: Annotated[MembersAdd, Body()], rpc: Rpc):
    return await rpc.call("marketing", "add_marketing_list_members", marketing_list_id=str(marketing_list_id),
                          data=body.model_dump(mode="json"))


@router.delete("/{marketing_list_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, operation_id="remove_marketing_list_member",
               summary="Remove a member from a static list (409 on a dynamic list)",
               responses=errors(404, 409, 422))
async def remove_member(marketing_list_id: UUID, member_id: UUID, rpc: Rpc):
    await rpc.call("marketing", "remove_marketing_list_member", marketing_list_id=str(marketing_list_id),
                   member_id=str(member_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
