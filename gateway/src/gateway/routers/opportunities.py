"""/api/v1/opportunities, owned by the sales service: records, win / lose, linked competitors."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Body, Response, status

from gateway.crud import Resource, crud_router
from gateway.models.competitors import Competitor
from gateway.models.opportunities import (CompetitorLink, LoseRequest, Opportunity, OpportunityCreate,
                                          OpportunityListQuery, OpportunityUpdate, WinRequest)
from gateway.openapi import errors
from gateway.routers._sales_actions import SERVICE, Rpc, action

router = crud_router(Resource(
    path="opportunities", singular="opportunity", service="sales",
    create_model=OpportunityCreate, update_model=OpportunityUpdate, record_model=Opportunity,
    list_query=OpportunityListQuery,
))

action(router, "win", "win_opportunity", id_name="opportunity_id", response_model=Opportunity, body=WinRequest,
       summary="open -> won, with the actual revenue; publishes OpportunityWon")
action(router, "lose", "lose_opportunity", id_name="opportunity_id", response_model=Opportunity, body=LoseRequest,
       summary="open -> lost, with a reason and the competitor that won; publishes OpportunityLost")


@router.get("/{opportunity_id}/competitors", response_model=list[Competitor],
            operation_id="list_opportunity_competitors", summary="Competitors linked to the opportunity",
            responses=errors(404, 422))
async def list_competitors(opportunity_id: UUID, rpc: Rpc):
    return await rpc.call(SERVICE, "list_opportunity_competitors", opportunity_id=str(opportunity_id))


@router.post("/{opportunity_id}/competitors", response_model=list[Competitor],
             operation_id="add_opportunity_competitor", summary="Link a competitor to an open opportunity",
             responses=errors(404, 409, 422))
async def add_competitor(opportunity_id: UUID, body: Annotated[CompetitorLink, Body()], rpc: Rpc):
    return await rpc.call(SERVICE, "add_opportunity_competitor", opportunity_id=str(opportunity_id),
                          data=body.model_dump(mode="json"))


@router.delete("/{opportunity_id}/competitors/{competitor_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, operation_id="remove_opportunity_competitor",
               summary="Unlink a competitor", responses=errors(404, 409, 422))
async def remove_competitor(opportunity_id: UUID, competitor_id: UUID, rpc: Rpc):
    await rpc.call(SERVICE, "remove_opportunity_competitor", opportunity_id=str(opportunity_id),
                   competitor_id=str(competitor_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
