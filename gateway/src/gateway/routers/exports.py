"""/api/v1/exports/{resource}?format=csv|xlsx: every record a list call with the same
filters (`q`, `sort` and the resource's equality filters) would page through, as one file,
with cells safe against spreadsheet formula injection (gateway.exports_format)."""
# No `from __future__ import annotations`: FastAPI reads the real types of the signatures.
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import ValidationError

from gateway import deps
from gateway.access import enforce
from gateway.auth import current_user
from gateway.crud import API_PREFIX
from gateway.exports_format import to_csv, to_xlsx
from gateway.imports_rules import FORMATS
from gateway.models.accounts import AccountListQuery
from gateway.models.common import MAX_LIMIT
from gateway.models.contacts import ContactListQuery
from gateway.models.leads import LeadListQuery
from gateway.models.products import ProductListQuery
from gateway.openapi import errors
from gateway.problems import Problem, validation_errors
from gateway.rpc import RpcClient

router = APIRouter(prefix=f"{API_PREFIX}/exports", tags=["exports"],
                   dependencies=[Depends(current_user)], responses=errors(401, 503))
Rpc = Annotated[RpcClient, Depends(deps.rpc)]

SERVICE = "sales"
LIST_QUERIES = {"accounts": AccountListQuery, "contacts": ContactListQuery, "leads": LeadListQuery,
                "products": ProductListQuery}
# Paging parameters belong to the list; an export always takes everything.
_NOT_FILTERS = {"format", "limit", "cursor"}


@router.get("/{resource}", operation_id="export_records", response_class=Response,
            summary="Export accounts, contacts, leads or products with the list's filters",
            responses={200: {"content": {media: {} for media in FORMATS.values()},
                             "description": "The file"}, **errors(404, 422)})
async def export_records(resource: Annotated[str, Path()], request: Request, rpc: Rpc,
                         format_: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv"):
    if resource not in LIST_QUERIES:
        raise Problem(404, f"Nothing to export as {resource}: one of {', '.join(LIST_QUERIES)}.")
    params = {k: v for k, v in request.query_params.items() if k not in _NOT_FILTERS}
    try:
        query = LIST_QUERIES[resource].model_validate(params)
    except ValidationError as exc:
        raise Problem(422, "The filters are not valid.", validation_errors(exc.errors())) from None
    # Only the records the caller may read (products belong to the organisation).
    reach = enforce.list_reach(request).to_rpc()
    within = {"reach": reach} if reach is not None else {}
    records, cursor = [], None
    while True:
        page = await rpc.call(SERVICE, f"list_{resource}", filters=query.filters(), q=query.q,
                              sort=query.sort, limit=MAX_LIMIT, cursor=cursor, **within)
        records += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    if format_ == "xlsx":
        content, media = to_xlsx(records, resource), FORMATS["xlsx"]
    else:
        content, media = to_csv(records), FORMATS["csv"] + "; charset=utf-8"
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{resource}.{format_}"'})
