"""Contacts (API.md, Sales)."""
from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import Email, RequiredText100, Text50, Text100


class ContactCreate(Input):
    first_name: Text100 | None = None
    last_name: RequiredText100
    email: Email | None = None
    phone: Text50 | None = None
    mobile: Text50 | None = None
    job_title: Text100 | None = None
    account_id: UUID | None = None
    birth_date: dt.date | None = None
    city: Text100 | None = None
    country: Text100 | None = None
    allow_duplicate: bool = Field(False, description="Create it even if its normalised email or phone "
                                  "match an existing contact (otherwise 409 naming the matching ids)")


class ContactUpdate(Patch, ContactCreate):
    """The create fields, all optional: only what the body carries changes."""

    REQUIRED = ("last_name",)

    allow_duplicate: None = Field(None, exclude=True, description="Not used on updates")

    last_name: RequiredText100 | None = None


class Contact(Record):
    model_config = ConfigDict(extra="ignore")

    first_name: str | None = None
    last_name: str
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    job_title: str | None = None
    account_id: UUID | None = None
    birth_date: dt.date | None = None
    city: str | None = None
    country: str | None = None


class ContactListQuery(ListQuery):
    account_id: UUID | None = None
    last_name: str | None = None
    email: str | None = None
    owner_id: UUID | None = None
    city: str | None = None
    country: str | None = None
    job_title: str | None = None



class MergeRequest(Input):
    duplicate_id: UUID = Field(description="The record merged into the one in the path, then removed")


class MergeAudit(BaseModel):
    """What a merge did, kept as the audit trail (contacts and accounts alike)."""

    id: UUID
    record_type: str
    surviving_id: UUID
    merged_id: UUID
    merged_record: dict = Field(description="The merged record as it was")
    survivor_changes: dict = Field(description="Blank fields of the survivor filled from the merged record")
    moved: dict[str, int] = Field(description="References re-pointed to the survivor, per table.column")
    merged_by: UUID | None = None
    merged_at: AwareDatetime


class ContactMerge(BaseModel):
    contact: Contact
    merge: MergeAudit
