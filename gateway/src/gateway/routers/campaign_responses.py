"""Campaign responses: /api/v1/campaigns/{id}/responses and /api/v1/campaign-responses/{id}
with convert and close. Owned by the marketing service; the lead is created by sales."""
from __future__ import annotations

import asyncio
import time
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Response, status

from gateway import deps
from gateway.auth import CurrentUser, current_user
from gateway.crud import API_PREFIX
from gateway.models.campaign_responses import (CampaignResponse, CampaignResponseCreate, Conversion,
                                               ResponseListQuery)
from gateway.models.common import Page
from gateway.models.marketing_lists import NoOptions
from gateway.openapi import errors
from gateway.rpc import RpcClient

router = APIRouter(prefix=API_PREFIX, tags=["campaign-responses"], dependencies=[Depends(current_user)],
                   responses=errors(401, 503))
Rpc = Annotated[RpcClient, Depends(deps.rpc)]
# How long convert waits for sales to report the lead before answering 202 without it.
CONVERT_WAIT_S = 5.0
CONVERT_POLL_S = 0.1


@router.get("/campaigns/{campaign_id}/responses", response_model=Page[CampaignResponse],
            operation_id="list_campaign_responses", summary="A campaign's responses", responses=errors(404, 422))
async def list_responses(campaign_id: UUID, query: Annotated[ResponseListQuery, Query()], rpc: Rpc):
    filters = query.model_dump(mode="json", exclude_none=True, include={"status", "channel"})
    return await rpc.call("marketing", "list_campaign_responses", campaign_id=str(campaign_id), filters=filters,
                          sort=query.sort, limit=query.limit, cursor=query.cursor)


@router.post("/campaigns/{campaign_id}/responses", response_model=CampaignResponse,
             status_code=status.HTTP_201_CREATED, operation_id="create_campaign_response",
             summary="Record a response from a known contact, lead or account, or from free-text fields",
             responses=errors(404, 409, 422))
async def create_response(campaign_id: UUID, body: Annotated[CampaignResponseCreate, Body()],
                          user: CurrentUser, rpc: Rpc, response: Response):
    record = await rpc.call("marketing", "create_campaign_response", campaign_id=str(campaign_id),
                            data=body.model_dump(mode="json", exclude_unset=True), owner_id=str(user.id))
    response.headers["Location"] = f"{API_PREFIX}/campaign-responses/{record['id']}"
    return record


@router.get("/campaign-responses/{response_id}", response_model=CampaignResponse,
            operation_id="get_campaign_response", summary="One campaign response", responses=errors(404, 422))
async def get_response(response_id: UUID, rpc: Rpc):
    return await rpc.call("marketing", "get_campaign_response", response_id=str(response_id))


@router.post("/campaign-responses/{response_id}/convert", response_model=Conversion,
             operation_id="convert_campaign_response",
             summary="Convert into a lead in sales; 200 with lead_id once the lead exists, 202 "
                     "with lead_id null if sales has not reported it within a few seconds",
             responses={202: {"description": "Converted; the lead is still being created",
                              "model": Conversion}, **errors(404, 409, 422)})
async def convert(response_id: UUID, rpc: Rpc, response: Response,
                  body: Annotated[NoOptions | None, Body()] = None):
    converted = await rpc.call("marketing", "convert_campaign_response", response_id=str(response_id))
    record = converted["response"]
    deadline = time.monotonic() + CONVERT_WAIT_S
    # Sales creates the lead from CampaignResponseConverted and reports it with LeadCreated;
    # wait (without blocking the loop) until marketing has heard of it.
    while record.get("converted_lead_id") is None and time.monotonic() < deadline:
        await asyncio.sleep(CONVERT_POLL_S)
        record = await rpc.call("marketing", "get_campaign_response", response_id=str(response_id))
    if record.get("converted_lead_id") is None:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = f"{API_PREFIX}/campaign-responses/{response_id}"
    return {"response": record, "lead_id": record.get("converted_lead_id")}


@router.post("/campaign-responses/{response_id}/close", response_model=CampaignResponse,
             operation_id="close_campaign_response", summary="open -> closed (no lead)",
             responses=errors(404, 409, 422))
async def close(response_id: UUID, rpc: Rpc, body: Annotated[NoOptions | None, Body()] = None):
    return await rpc.call("marketing", "close_campaign_response", response_id=str(response_id))
