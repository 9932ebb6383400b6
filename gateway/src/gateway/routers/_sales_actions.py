"""Routes the sales routers share: POST actions on a record (`/{id}/qualify`) that call one
sales RPC with the record id and the body's fields, and child-collection routes.
Not mounted itself (leading underscore)."""
# No `from __future__ import annotations`: FastAPI must see the real types built in here.
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel

from gateway import deps
from gateway.crud import Resource, crud_router
from gateway.models.common import Input
from gateway.openapi import errors
from gateway.rpc import RpcClient

SERVICE = "sales"


class NoOptions(Input):
    """The action takes no options: send `{}` or no body."""

Rpc = Annotated[RpcClient, Depends(deps.rpc)]


def action(router: APIRouter, name: str, rpc_method: str, *, id_name: str, response_model: Any,
           summary: str, body: type[BaseModel] | None = None, body_arg: str = "data",
           statuses: tuple[int, ...] = (404, 409, 422)) -> None:
    """POST /{id}/<name>. Without `body` the action takes no options (an empty body is fine);
    with one, a missing body means all defaults."""
    RecordId = Annotated[UUID, Path(alias=id_name)]

    if body is None:
        async def endpoint(record_id: RecordId, rpc: Rpc, payload: Annotated[NoOptions | None, Body()] = None):
            return await rpc.call(SERVICE, rpc_method, **{id_name: str(record_id)})
    else:
        async def endpoint(record_id: RecordId, rpc: Rpc, payload: Annotated[body | None, Body()] = None):
            options = payload.model_dump(mode="json", exclude_unset=True) if payload is not None else {}
            return await rpc.call(SERVICE, rpc_method, **{id_name: str(record_id), body_arg: options})

    router.add_api_route(f"/{{{id_name}}}/{name}", endpoint, methods=["POST"], response_model=response_model,
                         operation_id=rpc_method, summary=summary, responses=errors(*statuses))


def merges_route(router: APIRouter, id_name: str, response_model: Any) -> None:
    """GET /{id}/merges: the merges the record survived or was merged away in."""
    RecordId = Annotated[UUID, Path(alias=id_name)]

    async def endpoint(record_id: RecordId, rpc: Rpc):
        return await rpc.call(SERVICE, "list_merges", record_id=str(record_id))

    router.add_api_route(f"/{{{id_name}}}/merges", endpoint, methods=["GET"], response_model=response_model,
                         operation_id=f"list_{id_name.removesuffix('_id')}_merges",
                         summary="The audit trail of merges involving this record", responses=errors(422))


def read_router(path: str, singular: str, record_model: type[BaseModel], list_query: type) -> APIRouter:
    """crud_router's routes without its writes (create, change, delete): records made by other
    records' actions (orders, invoices) are never created or edited field by field. They can
    still be assigned and shared."""
    router = crud_router(Resource(path=path, singular=singular, service=SERVICE, create_model=record_model,
                                  update_model=record_model, record_model=record_model, list_query=list_query))
    router.routes[:] = [route for route in router.routes if getattr(route, "methods", set()) == {"GET"}
                        or route.path.endswith("/assign") or "/shares" in route.path]
    return router
