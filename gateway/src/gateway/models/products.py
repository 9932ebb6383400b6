"""Products of the catalogue (API.md, Sales)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import Currency, Money, NonNegativeMoney, RequiredText200, Text50

ProductStatus = Literal["active", "retired"]


class ProductCreate(Input):
    name: RequiredText200
    product_number: Text50 = Field(min_length=1)
    description: str | None = Field(None, max_length=10000)
    unit: Text50 | None = None
    is_service: bool | None = None
    default_price: NonNegativeMoney | None = None
    currency: Currency | None = None
    status: ProductStatus | None = None
    scheduling_service_id: UUID | None = Field(
        None, description="For a service product: the scheduler service each unit sold is a session of")


class ProductUpdate(Patch, ProductCreate):
    REQUIRED = ("name", "product_number", "is_service", "status")

    name: RequiredText200 | None = None
    product_number: Text50 | None = Field(None, min_length=1)


class Product(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    product_number: str
    description: str | None = None
    unit: str | None = None
    is_service: bool
    default_price: Money | None = None
    currency: str | None = None
    status: ProductStatus
    scheduling_service_id: UUID | None = None


class ProductListQuery(ListQuery):
    status: ProductStatus | None = None
    product_number: str | None = None
    is_service: bool | None = None
    scheduling_service_id: UUID | None = None
    owner_id: UUID | None = None
