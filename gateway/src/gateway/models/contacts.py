"""Contacts (API.md, Sales)."""
from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import ConfigDict

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


class ContactUpdate(Patch, ContactCreate):
    """The create fields, all optional: only what the body carries changes."""

    REQUIRED = ("last_name",)

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
