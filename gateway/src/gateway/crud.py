"""List / create / get / update / delete routes for a record owned by a service, built once
for every such resource so the routers only declare what differs.

The owning service exposes `create_<x>(data, owner_id)`, `get_<x>(<x>_id)`,
`list_<xs>(filters, q, sort, limit, cursor)`, `update_<x>(<x>_id, changes, expected_version)`
and `delete_<x>(<x>_id)`.
"""
# No `from __future__ import annotations`: FastAPI must see the real model classes in the
# signatures of the endpoint functions defined inside `crud_router`.
import re
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import deps
from gateway.access import catalog, enforce, shares
from gateway.auth import CurrentUser, current_user
from gateway.models.common import AuditEntry, AuditQuery, ListQuery, Page
from gateway.models.sharing import AssignRequest, Share, Shares, ShareRequest
from gateway.openapi import errors
from gateway.problems import Problem
from gateway.rpc import RpcClient

API_PREFIX = "/api/v1"
# If-Match carries the version from a record or its ETag: `3`, `"3"` or `W/"3"`.
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


@dataclass(frozen=True)
class Resource:
    path: str  # "accounts" -> /api/v1/accounts
    singular: str  # "account" -> create_account, account_id
    service: str  # the nameko service that owns it
    create_model: type[BaseModel]
    update_model: type[BaseModel]
    record_model: type[BaseModel]
    list_query: type[ListQuery]
    # the service's table of these records, for their audit history (default: the plural)
    table: str | None = None

    @property
    def plural(self) -> str:
        return self.path.replace("-", "_")

    @property
    def secured(self) -> catalog.Secured | None:
        """Its entry in the security model's catalogue."""
        return catalog.RESOURCES.get(self.path.replace("/", "-"))

    @property
    def owned(self) -> bool:
        """Records owned by users or teams: lists are limited to the caller's reach, and
        records can be assigned and shared."""
        return self.secured is not None and self.secured.owned

    @property
    def audit_table(self) -> str:
        return self.table or self.plural

    def location(self, record_id: object) -> str:
        return f"{API_PREFIX}/{self.path}/{record_id}"


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    match = _IF_MATCH.match(if_match)
    if match is None:
        raise Problem(422, "The If-Match header is not a record version.",
                      [{"field": "If-Match", "message": "must be the record's version, e.g. 3"}])
    return int(match.group(1))


def _etag(record: dict) -> dict[str, str]:
    version = record.get("version") if isinstance(record, dict) else None
    return {"ETag": f'"{version}"'} if version is not None else {}


# Every resource given a router, so tests can check each against its owning service.
REGISTERED: list[Resource] = []


def crud_router(res: Resource) -> APIRouter:
    REGISTERED.append(res)
    router = APIRouter(prefix=f"{API_PREFIX}/{res.path}", tags=[res.path],
                       dependencies=[Depends(current_user)], responses=errors(401, 503))
    Rpc = Annotated[RpcClient, Depends(deps.rpc)]
    id_name = f"{res.singular}_id"
    RecordId = Annotated[UUID, Path(alias=id_name)]
    IfMatch = Annotated[str | None, Header(alias="If-Match",
                                           description="The version you last read; a newer one gives 412")]
    one = "/{" + id_name + "}"
    name = res.singular.replace("_", " ")

    @router.get("", response_model=Page[res.record_model], operation_id=f"list_{res.plural}",
                summary=f"List {res.path}", responses=errors(422))
    async def list_records(query: Annotated[res.list_query, Query()], rpc: Rpc, request: Request):
        # Sent only when it limits anything (not for administrators, nor organisation-owned records).
        reach = enforce.list_reach(request).to_rpc() if res.owned else None
        reach = {"reach": reach} if reach is not None else {}
        return await rpc.call(res.service, f"list_{res.plural}", filters=query.filters(),
                              q=query.q, sort=query.sort, limit=query.limit, cursor=query.cursor, **reach)

    @router.post("", response_model=res.record_model, status_code=status.HTTP_201_CREATED,
                 operation_id=f"create_{res.singular}", summary=f"Create {name}",
                 responses=errors(409, 422))
    async def create_record(body: Annotated[res.create_model, Body()], user: CurrentUser,
                            rpc: Rpc, response: Response, request: Request):
        data = body.model_dump(mode="json", exclude_unset=True)
        if res.owned and data.get("owner_id") not in (None, str(user.id)):
            await enforce.require_owner_in_reach(request, user, res.secured, data["owner_id"])
        record = await rpc.call(res.service, f"create_{res.singular}", data=data, owner_id=str(user.id))
        response.headers["Location"] = res.location(record["id"])
        response.headers.update(_etag(record))
        return record

    @router.get(one, response_model=res.record_model, operation_id=f"get_{res.singular}",
                summary=f"Get {name} by id", responses=errors(404, 422))
    async def get_record(record_id: RecordId, rpc: Rpc, response: Response, request: Request):
        # The security check fetched an owned record already: not twice.
        record = (getattr(request.state, "record", None)
                  or await rpc.call(res.service, f"get_{res.singular}", **{id_name: str(record_id)}))
        response.headers.update(_etag(record))
        return record

    @router.patch(one, response_model=res.record_model, operation_id=f"update_{res.singular}",
                  summary=f"Change fields of {name}", responses=errors(404, 409, 412, 422))
    async def update_record(record_id: RecordId, body: Annotated[res.update_model, Body()], user: CurrentUser,
                            rpc: Rpc, response: Response, request: Request, if_match: IfMatch = None):
        changes = body.model_dump(mode="json", exclude_unset=True)
        if res.owned and "owner_id" in changes:  # a change of owner is an assignment
            caller = await enforce.caller_of(request, user)
            if caller.level(res.secured.name, "assign") == "none":
                raise enforce.not_granted(res.secured.name, "assign")
            await enforce.require_on_record(request, caller, res.secured, "assign", str(record_id))
            await enforce.require_principal(request, changes["owner_id"])
        record = await rpc.call(res.service, f"update_{res.singular}", **{id_name: str(record_id)},
                                changes=changes, expected_version=expected_version(if_match))
        response.headers.update(_etag(record))
        return record

    @router.get(one + "/audit", response_model=Page[AuditEntry], operation_id=f"get_{res.singular}_audit",
                summary=f"Audit history of {name}: who changed which fields, from what to what, newest first",
                responses=errors(404, 422))
    async def get_audit(record_id: RecordId, rpc: Rpc, query: Annotated[AuditQuery, Query()]):
        await rpc.call(res.service, f"get_{res.singular}", **{id_name: str(record_id)})  # 404 if unknown
        return await rpc.call(res.service, "get_audit", table=res.audit_table, record_id=str(record_id),
                              limit=query.limit, cursor=query.cursor)

    @router.delete(one, status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
                   operation_id=f"delete_{res.singular}", summary=f"Delete {name}",
                   responses=errors(404, 409, 422))
    async def delete_record(record_id: RecordId, rpc: Rpc):
        await rpc.call(res.service, f"delete_{res.singular}", **{id_name: str(record_id)})
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    if res.owned:
        sharing_routes(router, res, one, RecordId, IfMatch)
    return router


def sharing_routes(router: APIRouter, res: Resource, one: str, RecordId, IfMatch) -> None:
    """Assign (change the owner) and share (grant one user or team access to one record)."""
    Rpc = Annotated[RpcClient, Depends(deps.rpc)]
    Engine = Annotated[AsyncEngine, Depends(deps.engine)]
    name = res.singular.replace("_", " ")

    @router.post(one + "/assign", response_model=res.record_model, operation_id=f"assign_{res.singular}",
                 summary=f"Give the {name} to another user or team (needs the assign privilege)",
                 responses=errors(403, 404, 412, 422))
    async def assign(record_id: RecordId, body: Annotated[AssignRequest, Body()], rpc: Rpc, request: Request,
                     response: Response, if_match: IfMatch = None):
        await enforce.require_principal(request, body.owner_id)
        await rpc.call(res.service, "assign_owner", resource=res.secured.name, record_id=str(record_id),
                       owner_id=str(body.owner_id), expected_version=expected_version(if_match))
        # Read back as the service shows it (with its computed fields: SLA, allotments, lines).
        record = await rpc.call(res.service, f"get_{res.singular}", **{f"{res.singular}_id": str(record_id)})
        response.headers.update(_etag(record))
        return record

    @router.get(one + "/shares", response_model=Shares, operation_id=f"list_{res.singular}_shares",
                summary=f"The users and teams the {name} is shared with", responses=errors(404, 422))
    async def list_shares(record_id: RecordId, engine: Engine):
        return {"items": await shares.of_record(engine, res.secured.name, record_id)}

    @router.post(one + "/shares", response_model=Share, operation_id=f"share_{res.singular}",
                 summary=f"Share the {name} with a user or team (again: replaces the privileges)",
                 responses=errors(403, 404, 422))
    async def share(record_id: RecordId, body: Annotated[ShareRequest, Body()], user: CurrentUser,
                    engine: Engine, request: Request):
        kind = await enforce.require_principal(request, body.principal_id, "principal_id")
        return await shares.grant(engine, res.secured.name, record_id, body.principal_id, kind,
                                  sorted(set(body.privileges)), user.id)

    @router.delete(one + "/shares/{principal_id}", status_code=status.HTTP_204_NO_CONTENT,
                   response_class=Response, operation_id=f"unshare_{res.singular}",
                   summary=f"Stop sharing the {name} with a user or team", responses=errors(403, 404, 422))
    async def unshare(record_id: RecordId, principal_id: Annotated[UUID, Path()], engine: Engine):
        if not await shares.revoke(engine, res.secured.name, record_id, principal_id):
            raise Problem(404, f"The {name} is not shared with {principal_id}.")
        return Response(status_code=status.HTTP_204_NO_CONTENT)
