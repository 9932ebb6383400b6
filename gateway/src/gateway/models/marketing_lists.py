"""Marketing lists and their members (API.md, Marketing)."""
from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText200

MemberType = Literal["contact", "account", "lead"]
Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Condition(Input):
    """One condition of a dynamic list. Which fields and operators a member type allows
    (and derived fields such as `age`) is checked by the marketing service."""

    field: str = Field(examples=["city"])
    op: Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"]
    value: Any = Field(examples=["Paris"])


class MemberQuery(Input):
    all: list[Condition] = Field(description="Every condition must hold")


class MarketingListCreate(Input):
    name: RequiredText200
    description: Text2000 | None = None
    member_type: MemberType
    kind: Literal["static", "dynamic"]
    query: MemberQuery | None = Field(None, description="Dynamic lists only", examples=[{"all": [
        {"field": "city", "op": "eq", "value": "Paris"}, {"field": "age", "op": "gte", "value": 25},
        {"field": "age", "op": "lte", "value": 35}]}])


class MarketingListUpdate(Patch, MarketingListCreate):
    REQUIRED = ("name", "member_type", "kind")

    name: RequiredText200 | None = None
    member_type: MemberType | None = None
    kind: Literal["static", "dynamic"] | None = None


class MarketingList(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    description: str | None = None
    member_type: str
    kind: str
    query: dict | None = None
    member_count: int


class MarketingListListQuery(ListQuery):
    member_type: MemberType | None = None
    kind: Literal["static", "dynamic"] | None = None
    owner_id: UUID | None = None
    name: str | None = None


class MembersAdd(Input):
    ids: list[UUID] = Field(min_length=1, max_length=10_000)


class MembersChanged(BaseModel):
    added: int | None = None
    removed: int | None = None
    member_count: int


class Member(BaseModel):
    """A member as marketing's read model knows it; further fields depend on member_type."""

    model_config = ConfigDict(extra="allow")

    id: UUID
    member_type: str
    name: str | None = None
    email: str | None = None


class NoOptions(Input):
    """The body of an action that takes no options (send `{}` or nothing)."""


class PageQuery(Input):
    """`?limit&cursor` of a list below a record (members, expenses, activities, responses)."""

    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None
