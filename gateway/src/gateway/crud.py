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

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response, status
from pydantic import BaseModel

from gateway import deps
from gateway.auth import CurrentUser, current_user
from gateway.models.common import AuditEntry, AuditQuery, ListQuery, Page
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
    async def list_records(query: Annotated[res.list_query, Query()], rpc: Rpc):
        return await rpc.call(res.service, f"list_{res.plural}", filters=query.filters(),
                              q=query.q, sort=query.sort, limit=query.limit, cursor=query.cursor)

    @router.post("", response_model=res.record_model, status_code=status.HTTP_201_CREATED,
                 operation_id=f"create_{res.singular}", summary=f"Create {name}",
                 responses=errors(409, 422))
    async def create_record(body: Annotated[res.create_model, Body()], user: CurrentUser,
                            rpc: Rpc, response: Response):
        record = await rpc.call(res.service, f"create_{res.singular}",
                                data=body.model_dump(mode="json", exclude_unset=True),
                                owner_id=str(user.id))
        response.headers["Location"] = res.location(record["id"])
        response.headers.update(_etag(record))
        return record

    @router.get(one, response_model=res.record_model, operation_id=f"get_{res.singular}",
                summary=f"Get {name} by id", responses=errors(404, 422))
    async def get_record(record_id: RecordId, rpc: Rpc, response: Response):
        record = await rpc.call(res.service, f"get_{res.singular}", **{id_name: str(record_id)})
        response.headers.update(_etag(record))
        return record

    @router.patch(one, response_model=res.record_model, operation_id=f"update_{res.singular}",
                  summary=f"Change fields of {name}", responses=errors(404, 409, 412, 422))
    async def update_record(record_id: RecordId, body: Annotated[res.update_model, Body()],
                            rpc: Rpc, response: Response, if_match: IfMatch = None):
        record = await rpc.call(res.service, f"update_{res.singular}", **{id_name: str(record_id)},
                                changes=body.model_dump(mode="json", exclude_unset=True),
                                expected_version=expected_version(if_match))
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

    return router
