"""Bodies and answers of the assign and share actions every user- or team-owned record has."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from gateway.models.common import Input

SharedPrivilege = Literal["read", "write", "delete", "assign", "share"]


class AssignRequest(Input):
    owner_id: UUID = Field(description="The user or team that will own the record")


class ShareRequest(Input):
    principal_id: UUID = Field(description="The user or team the record is shared with")
    privileges: list[SharedPrivilege] = Field(min_length=1, description="What they may do with this record")


class Share(BaseModel):
    principal_id: UUID
    principal_type: Literal["user", "team"]
    privileges: list[SharedPrivilege]
    shared_by: UUID | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class Shares(BaseModel):
    items: list[Share]
