"""The directory of the security model: business units, teams, roles and users (gateway.access)."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from gateway.models.common import Input, Patch


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_stripped)]
Username = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_stripped)]
Password = Annotated[str, Field(min_length=12, max_length=1024, description="At least 12 characters")]
RoleIds = Annotated[list[UUID], Field(max_length=100, description="Replaces every role held")]
# {resource: {privilege: level}}; names and levels are checked against gateway.access (422 per field).
Privileges = Annotated[dict[str, dict[str, str]], Field(
    description='{"accounts": {"read": "business_unit", "write": "own"}}: per resource, the level '
                "(own, business_unit, business_unit_and_children, organisation) of each privilege "
                "(create, read, write, delete, assign, share)")]


class Entry(BaseModel):
    """What every directory entry carries besides its own fields (they have no owner)."""

    id: UUID
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int


# --- business units --------------------------------------------------------------------------

class BusinessUnitCreate(Input):
    name: Name
    parent_id: UUID = Field(description="The unit above; the root (the organisation) exists from the start")


class BusinessUnitUpdate(Patch):
    REQUIRED = ("name", "parent_id")

    name: Name | None = None
    parent_id: UUID | None = Field(None, description="Moves the unit (and those below it) under another")


class BusinessUnit(Entry):
    name: str
    parent_id: UUID | None = Field(description="null for the root, the organisation itself")


# --- teams -----------------------------------------------------------------------------------

class TeamCreate(Input):
    name: Name
    business_unit_id: UUID


class TeamUpdate(Patch):
    REQUIRED = ("name", "business_unit_id")

    name: Name | None = None
    business_unit_id: UUID | None = None


class TeamMemberAdd(Input):
    user_id: UUID


class TeamRoles(Input):
    role_ids: RoleIds = Field(description="Replaces the team's roles; its members hold them too")


class Team(Entry):
    name: str
    business_unit_id: UUID
    member_ids: list[UUID]
    role_ids: list[UUID]


# --- roles -----------------------------------------------------------------------------------

class RoleCreate(Input):
    name: Name
    description: str | None = Field(None, max_length=2000)
    privileges: Privileges


class RoleUpdate(Patch):
    REQUIRED = ("name", "privileges")

    name: Name | None = None
    description: str | None = Field(None, max_length=2000)
    privileges: Privileges | None = None


class Role(Entry):
    name: str
    description: str | None
    privileges: dict[str, dict[str, str]]


# --- users -----------------------------------------------------------------------------------

class UserCreate(Input):
    username: Username
    password: Password
    business_unit_id: UUID | None = Field(None, description="Default: the root business unit")
    role_ids: RoleIds = []


class UserUpdate(Patch):
    REQUIRED = ("business_unit_id", "is_active", "role_ids")

    business_unit_id: UUID | None = None
    is_active: bool | None = Field(None, description="false signs the user out and keeps them out")
    role_ids: RoleIds | None = None


class User(Entry):
    """Never the password."""

    username: str
    business_unit_id: UUID
    role_ids: list[UUID] = Field(description="Roles held directly (members also hold their teams' roles)")
    team_ids: list[UUID]
    is_admin: bool = Field(description="The built-in administrator, who reaches everything")
    is_active: bool
