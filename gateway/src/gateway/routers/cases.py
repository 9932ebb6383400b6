"""/api/v1/cases and /api/v1/sla-policies, owned by the service_desk service; also the small
helpers the other service desk routers share."""
# No `from __future__ import annotations`: FastAPI must see the real types in the signatures
# of the endpoints `record_action` defines.
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel

from gateway import deps
from gateway.auth import CurrentUser, current_user
from gateway.crud import API_PREFIX, Resource, crud_router
from gateway.models.cases import (Case, CaseArticles, CaseCreate, CaseListQuery, CaseUpdate, LinkArticle,
                                  NoFields, ResolveCase, SlaPolicy, SlaPolicyCreate, SlaPolicyListQuery,
                                  SlaPolicyUpdate)
from gateway.openapi import errors
from gateway.rpc import RpcClient

SERVICE = "service_desk"
Rpc = Annotated[RpcClient, Depends(deps.rpc)]
# The body of an action that needs none (documented, so that every POST states its body).
NoBody = Annotated[NoFields | None, Body()]


def actions_router(path: str) -> APIRouter:
    """Routes beside a resource's CRUD ones: same prefix, tag and authentication."""
    return APIRouter(prefix=f"{API_PREFIX}/{path}", tags=[path], dependencies=[Depends(current_user)],
                     responses=errors(401, 503))


def record_action(router: APIRouter, action: str, method: str, id_name: str, response_model: type,
                  summary: str, pass_user: bool = True) -> None:
    """POST /{id}/<action> calling `method(<id_name>=id[, user_id])`: the actions that need
    nothing but the record. 404 unknown record, 409 wrong state."""
    RecordId = Annotated[UUID, Path(alias=id_name)]

    async def endpoint(record_id: RecordId, user: CurrentUser, rpc: Rpc, body: NoBody = None):
        kwargs = {id_name: str(record_id)} | ({"user_id": str(user.id)} if pass_user else {})
        return await rpc.call(SERVICE, method, **kwargs)

    router.post("/{" + id_name + "}/" + action, response_model=response_model, operation_id=method,
                summary=summary, responses=errors(404, 409, 422))(endpoint)


def sent(body: BaseModel) -> dict:
    return body.model_dump(mode="json", exclude_unset=True)


def combined(*routers: APIRouter) -> APIRouter:
    router = APIRouter()
    for part in routers:
        router.include_router(part)
    return router


actions = actions_router("cases")


@actions.post("/{case_id}/resolve", response_model=Case, operation_id="resolve_case",
              summary="Resolve an active case; charges its contract once and publishes CaseResolved",
              responses=errors(404, 409, 422))
async def resolve_case(case_id: UUID, body: ResolveCase, user: CurrentUser, rpc: Rpc):
    return await rpc.call(SERVICE, "resolve_case", case_id=str(case_id), data=sent(body), user_id=str(user.id))


for _action, _method, _summary, _pass_user in (
        ("cancel", "cancel_case", "Cancel an active case", True),
        ("reopen", "reopen_case", "Reopen a resolved or cancelled case", True),
        ("wait", "wait_on_customer", "Wait on the customer: the SLA clock stops", False),
        ("resume", "resume_case", "The customer answered: the SLA clock runs again", False),
        ("respond", "record_first_response", "Record the first response to the customer", False)):
    record_action(actions, _action, _method, "case_id", Case, _summary, _pass_user)


@actions.post("/{case_id}/articles", response_model=CaseArticles, operation_id="link_article",
              summary="Link a published knowledge article to the case", responses=errors(404, 409, 422))
async def link_article(case_id: UUID, body: LinkArticle, user: CurrentUser, rpc: Rpc):
    return await rpc.call(SERVICE, "link_article", case_id=str(case_id), data=sent(body), user_id=str(user.id))


@actions.get("/{case_id}/articles", response_model=CaseArticles, operation_id="list_case_articles",
             summary="Knowledge articles linked to the case", responses=errors(404, 422))
async def list_case_articles(case_id: UUID, rpc: Rpc):
    return await rpc.call(SERVICE, "list_case_articles", case_id=str(case_id))


router = combined(
    crud_router(Resource(path="cases", singular="case", service=SERVICE, create_model=CaseCreate,
                         update_model=CaseUpdate, record_model=Case, list_query=CaseListQuery)),
    actions,
    crud_router(Resource(path="sla-policies", singular="sla_policy", service=SERVICE,
                         create_model=SlaPolicyCreate, update_model=SlaPolicyUpdate, record_model=SlaPolicy,
                         list_query=SlaPolicyListQuery)),
)
