"""Import jobs (API.md, Cross-cutting)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Base64Bytes, BaseModel

from gateway.models.common import Input, ProblemDetail


class ImportUpload(Input):
    """The JSON form of an upload, for clients that cannot send a file as the body."""

    file_format: Literal["csv", "xlsx"]
    content: Base64Bytes


class Rejection(BaseModel):
    row: int  # as a spreadsheet numbers it: the header is row 1
    errors: list[ProblemDetail]


class ImportJob(BaseModel):
    id: UUID
    resource: Literal["accounts", "contacts", "leads", "products"]
    file_format: Literal["csv", "xlsx"]
    status: Literal["queued", "running", "completed", "failed"]
    total_rows: int
    processed_rows: int
    created: int
    updated: int
    unchanged: int  # matched a record that already had these values
    rejected: int
    rejections: list[Rejection]  # the first 1000; `rejected` counts them all
    error: str | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    finished_at: AwareDatetime | None
