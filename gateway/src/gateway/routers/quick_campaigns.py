"""/api/v1/quick-campaigns: a campaign with one activity on one list, distributed at once."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response, status

from gateway import deps
from gateway.auth import CurrentUser, current_user
from gateway.crud import API_PREFIX
from gateway.models.quick_campaigns import QuickCampaign, QuickCampaignCreate
from gateway.openapi import errors
from gateway.rpc import RpcClient

router = APIRouter(prefix=f"{API_PREFIX}/quick-campaigns", tags=["campaigns"],
                   dependencies=[Depends(current_user)], responses=errors(401, 503))


@router.post("", response_model=QuickCampaign, status_code=status.HTTP_201_CREATED,
             operation_id="create_quick_campaign", summary="Create, activate and distribute in one step",
             responses=errors(409, 422))
async def create_quick_campaign(body: Annotated[QuickCampaignCreate, Body()], user: CurrentUser,
                                rpc: Annotated[RpcClient, Depends(deps.rpc)], response: Response):
    data = body.model_dump(mode="json", exclude_unset=True)
    created = await rpc.call("marketing", "create_quick_campaign", data=data, owner_id=str(user.id))
    response.headers["Location"] = f"{API_PREFIX}/campaigns/{created['campaign']['id']}"
    return created
