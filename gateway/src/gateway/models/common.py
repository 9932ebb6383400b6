"""Models every resource shares: problems, pages, record metadata, list parameters."""
from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

T = TypeVar("T")

MAX_LIMIT = 500


class Input(BaseModel):
    """Request bodies: an unknown field is a client mistake worth reporting (422)."""

    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """PATCH bodies: every field optional; `REQUIRED` fields may be left out but not nulled."""

    REQUIRED: ClassVar[tuple[str, ...]] = ()

    # Runs only for fields present in the body (defaults are not validated), so leaving
    # a required field out is fine while sending it as null is reported on that field.
    @field_validator("*", mode="after")
    @classmethod
    def required_fields_not_null(cls, value, info: ValidationInfo):
        if value is None and info.field_name in cls.REQUIRED:
            raise ValueError("cannot be null")
        return value


class Record(BaseModel):
    """What every record carries besides its own fields."""

    id: UUID
    created_at: AwareDatetime
    updated_at: AwareDatetime
    owner_id: UUID | None = None
    version: int


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class ListQuery(BaseModel):
    """`?limit&cursor&q&sort` plus the resource's equality filters (subclasses add them).
    Unknown parameters are rejected so a misspelt filter does not silently match all."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = None
    q: str | None = Field(None, max_length=200, description="Text search")
    sort: str | None = Field(None, pattern=r"^-?[a-z_]+$",
                             description="`field` ascending or `-field` descending")

    def filters(self) -> dict:
        """The equality filters that were given, JSON-safe."""
        return self.model_dump(mode="json", exclude_none=True,
                               exclude=set(ListQuery.model_fields))


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = None


class AuditEntry(BaseModel):
    """One change of a record: created, updated (only the fields that changed) or deleted."""

    id: int
    action: str = Field(description="created, updated or deleted")
    changes: dict[str, dict[str, Any]] = Field(description='{"field": {"from": old, "to": new}}')
    actor_id: str | None = Field(None, description="the user who made the change; null for changes "
                                                  "a service made on its own (e.g. from an event)")
    at: AwareDatetime


class ProblemDetail(BaseModel):
    field: str
    message: str


class ProblemModel(BaseModel):
    """Describes `application/problem+json` bodies in the OpenAPI document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemDetail] = []
