"""/api/v1/campaigns: records, state actions, expenses, planned activities and their
distribution, metrics. Owned by the marketing service."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Body, Depends, Query, Response, status

from gateway import deps
from gateway.auth import CurrentUser
from gateway.crud import API_PREFIX, Resource, crud_router
from gateway.models.campaigns import (ActivityListQuery, Campaign, CampaignActivity, CampaignActivityCreate,
                                      CampaignCreate, CampaignListQuery, CampaignMetrics, CampaignUpdate,
                                      DistributeRequest, Distribution, Expense, ExpenseCreate,
                                      SortedPageQuery)
from gateway.models.common import Page
from gateway.models.marketing_lists import NoOptions
from gateway.openapi import errors
from gateway.rpc import RpcClient

router = crud_router(Resource(
    path="campaigns", singular="campaign", service="marketing",
    create_model=CampaignCreate, update_model=CampaignUpdate, record_model=Campaign,
    list_query=CampaignListQuery,
))
Rpc = Annotated[RpcClient, Depends(deps.rpc)]


def _action(action: str, summary: str):
    async def change_status(campaign_id: UUID, rpc: Rpc, body: Annotated[NoOptions | None, Body()] = None):
        return await rpc.call("marketing", f"{action}_campaign", campaign_id=str(campaign_id))

    router.add_api_route(f"/{{campaign_id}}/{action}", change_status, methods=["POST"],
                         response_model=Campaign, operation_id=f"{action}_campaign", summary=summary,
                         responses=errors(404, 409, 422))


_action("activate", "planned -> active")
_action("complete", "active -> completed")
_action("cancel", "planned or active -> cancelled")


@router.get("/{campaign_id}/metrics", response_model=CampaignMetrics, operation_id="get_campaign_metrics",
            summary="Targeted, distributed, responses, leads, opportunities, revenue, cost and ROI",
            responses=errors(404, 422))
async def metrics(campaign_id: UUID, rpc: Rpc):
    return await rpc.call("marketing", "get_campaign_metrics", campaign_id=str(campaign_id))


# --- expenses ------------------------------------------------------------------------------

@router.get("/{campaign_id}/expenses", response_model=Page[Expense], operation_id="list_campaign_expenses",
            summary="A campaign's expenses", responses=errors(404, 422))
async def list_expenses(campaign_id: UUID, query: Annotated[SortedPageQuery, Query()], rpc: Rpc):
    return await rpc.call("marketing", "list_campaign_expenses", campaign_id=str(campaign_id),
                          sort=query.sort, limit=query.limit, cursor=query.cursor)


@router.post("/{campaign_id}/expenses", response_model=Expense, status_code=status.HTTP_201_CREATED,
             operation_id="add_campaign_expense", summary="Record an expense (in the campaign's currency)",
             responses=errors(404, 409, 422))
async def add_expense(campaign_id: UUID, body: Annotated[ExpenseCreate, Body()], user: CurrentUser,
                      rpc: Rpc, response: Response):
    expense = await rpc.call("marketing", "add_campaign_expense", campaign_id=str(campaign_id),
                             data=body.model_dump(mode="json", exclude_unset=True), owner_id=str(user.id))
    response.headers["Location"] = f"{API_PREFIX}/campaigns/{campaign_id}/expenses/{expense['id']}"
    return expense


@router.get("/{campaign_id}/expenses/{expense_id}", response_model=Expense, operation_id="get_campaign_expense",
            summary="One expense", responses=errors(404, 422))
async def get_expense(campaign_id: UUID, expense_id: UUID, rpc: Rpc):
    return await rpc.call("marketing", "get_campaign_expense", campaign_id=str(campaign_id),
                          expense_id=str(expense_id))


@router.delete("/{campaign_id}/expenses/{expense_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, operation_id="delete_campaign_expense",
               summary="Remove an expense of a planned or active campaign", responses=errors(404, 409, 422))
async def delete_expense(campaign_id: UUID, expense_id: UUID, rpc: Rpc):
    await rpc.call("marketing", "delete_campaign_expense", campaign_id=str(campaign_id), expense_id=str(expense_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- planned activities and their distribution ------------------------------------------------

@router.get("/{campaign_id}/activities", response_model=Page[CampaignActivity],
            operation_id="list_campaign_activities", summary="A campaign's planned activities",
            responses=errors(404, 422))
async def list_activities(campaign_id: UUID, query: Annotated[ActivityListQuery, Query()], rpc: Rpc):
    return await rpc.call("marketing", "list_campaign_activities", campaign_id=str(campaign_id),
                          status=query.status, sort=query.sort, limit=query.limit, cursor=query.cursor)


@router.post("/{campaign_id}/activities", response_model=CampaignActivity, status_code=status.HTTP_201_CREATED,
             operation_id="create_campaign_activity", summary="Plan an activity on a channel",
             responses=errors(404, 409, 422))
async def create_activity(campaign_id: UUID, body: Annotated[CampaignActivityCreate, Body()],
                          user: CurrentUser, rpc: Rpc, response: Response):
    activity = await rpc.call("marketing", "create_campaign_activity", campaign_id=str(campaign_id),
                              data=body.model_dump(mode="json", exclude_unset=True), owner_id=str(user.id))
    response.headers["Location"] = f"{API_PREFIX}/campaigns/{campaign_id}/activities/{activity['id']}"
    return activity


@router.get("/{campaign_id}/activities/{activity_id}", response_model=CampaignActivity,
            operation_id="get_campaign_activity", summary="One planned activity", responses=errors(404, 422))
async def get_activity(campaign_id: UUID, activity_id: UUID, rpc: Rpc):
    return await rpc.call("marketing", "get_campaign_activity", campaign_id=str(campaign_id),
                          activity_id=str(activity_id))


@router.post("/{campaign_id}/activities/{activity_id}/distribute", response_model=Distribution,
             operation_id="distribute_campaign_activity",
             summary="One activity per member of the campaign's lists (each member once, owners "
                     "round-robin); distributing again reaches only members not reached before",
             responses=errors(404, 409, 422))
async def distribute(campaign_id: UUID, activity_id: UUID, rpc: Rpc,
                     body: Annotated[DistributeRequest | None, Body()] = None):
    return await rpc.call("marketing", "distribute_campaign_activity", campaign_id=str(campaign_id),
                          activity_id=str(activity_id),
                          data=body.model_dump(mode="json", exclude_unset=True) if body else {})
