"""Custom activity types (API.md, Activities): `{"name", "label", "fields": [{"name", "type"}]}`."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText100, Text100

FieldType = Literal["string", "text", "integer", "decimal", "boolean", "date", "datetime", "choice"]
# Custom type and field names: what activities' `type` and `custom_fields` keys use.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$"),
                 Field(description="lower_snake_case, at most 50 characters", examples=["site_visit"])]


class FieldDefinitionInput(Input):
    name: Name
    type: FieldType
    label: Text100 | None = None
    required: bool = False
    choices: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        None, max_length=200, description="The allowed values of a `choice` field")


class ActivityTypeCreate(Input):
    name: Name
    label: RequiredText100
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    fields: list[FieldDefinitionInput] = Field(default_factory=list, max_length=100)


class ActivityTypeUpdate(Patch, ActivityTypeCreate):
    REQUIRED = ("name", "label", "fields")

    name: Name | None = None
    label: RequiredText100 | None = None
    fields: list[FieldDefinitionInput] | None = None


class FieldDefinition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    type: str
    label: str | None = None
    required: bool = False
    choices: list[str] | None = None


class ActivityType(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    label: str
    description: str | None = None
    fields: list[FieldDefinition]


class ActivityTypeListQuery(ListQuery):
    name: str | None = None
    owner_id: str | None = None
