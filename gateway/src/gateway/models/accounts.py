"""Accounts (API.md, Sales)."""
from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from gateway.models.contacts import MergeAudit
from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import (
    Currency, Email, Money, NonNegativeMoney, RequiredText200, Text50, Text100, Text200, Url,
)


class Address(BaseModel):
    line1: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


class AddressInput(Input):
    line1: Text200 | None = None
    city: Text100 | None = None
    postal_code: Text50 | None = None
    country: Text100 | None = None


class AccountCreate(Input):
    name: RequiredText200
    account_number: Text50 | None = None
    industry: Text100 | None = None
    website: Url | None = None
    email: Email | None = None
    phone: Text50 | None = None
    address: AddressInput | None = None
    parent_account_id: UUID | None = None
    credit_limit: NonNegativeMoney | None = None
    currency: Currency | None = None
    allow_duplicate: bool = Field(False, description="Create it even if its normalised email, phone or name "
                                  "match an existing account (otherwise 409 naming the matching ids)")


class AccountUpdate(Patch, AccountCreate):
    """The create fields, all optional: only what the body carries changes."""

    REQUIRED = ("name",)

    allow_duplicate: None = Field(None, exclude=True, description="Not used on updates")

    name: RequiredText200 | None = None


class Account(Record):
    # Output is read leniently: constraints are the owning service's to enforce.
    model_config = ConfigDict(extra="ignore")

    name: str
    account_number: str | None = None
    industry: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    address: Address | None = None
    parent_account_id: UUID | None = None
    credit_limit: Money | None = None
    currency: str | None = None


class AccountListQuery(ListQuery):
    name: str | None = None
    industry: str | None = None
    account_number: str | None = None
    parent_account_id: UUID | None = None
    owner_id: UUID | None = None
    currency: str | None = None
    email: str | None = None
    city: str | None = None
    country: str | None = None



class AccountMerge(BaseModel):
    account: Account
    merge: MergeAudit
