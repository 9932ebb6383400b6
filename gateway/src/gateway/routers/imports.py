"""/api/v1/imports: upload a CSV or XLSX file of accounts, contacts, leads or products; the
import runs in the background (gateway.imports) and GET /imports/{job_id} follows it.

The file is the request body (Content-Type text/csv or the XLSX type, or ?format=), so no
multipart parser is needed; the gateway's body limit (CRM_MAX_BODY_BYTES) bounds its size."""
# No `from __future__ import annotations`: FastAPI reads the real types of the signatures.
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import deps, imports, tables
from gateway.access import enforce
from gateway.auth import CurrentUser, current_user
from gateway.crud import API_PREFIX
from gateway.imports_rules import FORMATS, RULES
from gateway.models.imports import ImportJob, ImportUpload
from gateway.openapi import errors
from gateway.problems import Problem, validation_errors
from gateway.rpc import RpcClient

router = APIRouter(prefix=f"{API_PREFIX}/imports", tags=["imports"],
                   dependencies=[Depends(current_user)], responses=errors(401, 503))
Engine = Annotated[AsyncEngine, Depends(deps.engine)]
Rpc = Annotated[RpcClient, Depends(deps.rpc)]


def file_format(requested: str | None, content_type: str) -> str:
    if requested:
        return requested
    media = content_type.split(";")[0].strip().lower()
    for name, media_type in FORMATS.items():
        if media == media_type:
            return name
    raise Problem(422, "Say whether the file is CSV or XLSX.", [
        {"field": "format", "message": "give ?format=csv|xlsx or Content-Type text/csv or "
                                       f"{FORMATS['xlsx']}"}])


async def _job(engine: AsyncEngine, job_id: uuid.UUID) -> dict:
    async with engine.connect() as conn:
        row = (await conn.execute(select(tables.import_jobs).where(tables.import_jobs.c.id == job_id))
               ).mappings().first()
    if row is None:
        raise Problem(404, "No such import job.")
    return dict(row)


@router.post("/{resource}", response_model=ImportJob, status_code=status.HTTP_202_ACCEPTED,
             operation_id="start_import", summary="Import a CSV or XLSX file (the request body) "
             "in the background: rows matching an existing record update it, the others are created",
             responses=errors(404, 413, 422),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": ImportUpload.model_json_schema()},
                 **{media: {"schema": {"type": "string", "format": "binary"}} for media in FORMATS.values()}}}})
async def start_import(resource: Annotated[str, Path()], request: Request, user: CurrentUser,
                       engine: Engine, rpc: Rpc,
                       format_: Annotated[Literal["csv", "xlsx"] | None, Query(alias="format")] = None):
    if resource not in RULES:
        raise Problem(404, f"Nothing to import as {resource}: one of {', '.join(RULES)}.")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        try:
            upload = ImportUpload.model_validate_json(await request.body())
        except ValidationError as exc:
            raise Problem(422, "The upload is not valid.", validation_errors(exc.errors())) from None
        kind, content = upload.file_format, upload.content
    else:
        kind = file_format(format_, request.headers.get("content-type", ""))
        content = await request.body()
    if not content:
        raise Problem(422, "The file is empty.", [{"field": "body", "message": "send the file as the body"}])
    job_id = await imports.create_job(engine, resource, kind, user.id)
    writable = await (await enforce.caller_of(request, user)).reach(resource, "write")
    imports.start(engine, rpc, job_id, resource, kind, content, str(user.id), writable.covers)
    return await _job(engine, job_id)


@router.get("/{job_id}", response_model=ImportJob, operation_id="get_import",
            summary="Progress and outcome of an import: counts and every rejected row's reasons",
            responses=errors(404, 422))
async def get_import(job_id: Annotated[uuid.UUID, Path()], engine: Engine, user: CurrentUser):
    job = await _job(engine, job_id)
    if job["owner_id"] != user.id and not user.is_admin:
        raise Problem(404, "No such import job.")  # someone else's: as if it did not exist
    return job
