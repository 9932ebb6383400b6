"""Price lists and their items with quantity discount tiers (API.md, Sales)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import Currency, Money, NonNegativeMoney, RequiredText200, reject_float

# Quantities and percentages are exact decimals too (strings on the wire, like money).
PositiveDecimal = Annotated[Decimal, BeforeValidator(reject_float), Field(gt=0, max_digits=18, decimal_places=4)]
Percent = Annotated[Decimal, BeforeValidator(reject_float), Field(ge=0, le=100, decimal_places=4)]


class PriceListCreate(Input):
    name: RequiredText200
    currency: Currency
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    campaign_id: UUID | None = None


class PriceListUpdate(Patch, PriceListCreate):
    REQUIRED = ("name", "currency")

    name: RequiredText200 | None = None
    currency: Currency | None = None


class PriceList(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    currency: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    campaign_id: UUID | None = None


class PriceListListQuery(ListQuery):
    currency: str | None = None
    campaign_id: UUID | None = None
    owner_id: UUID | None = None
    name: str | None = None


class DiscountTierInput(Input):
    min_quantity: PositiveDecimal
    percent: Percent


class PriceListItemCreate(Input):
    product_id: UUID
    amount: NonNegativeMoney
    discount_tiers: list[DiscountTierInput] = Field(
        default_factory=list, description="The largest tier whose min_quantity <= quantity applies; a higher "
                                          "min_quantity must not have a smaller percent")


class PriceListItemUpdate(Patch):
    REQUIRED = ("amount", "discount_tiers")

    amount: NonNegativeMoney | None = None
    discount_tiers: list[DiscountTierInput] | None = None


class DiscountTier(BaseModel):
    min_quantity: str
    percent: str


class PriceListItem(Record):
    model_config = ConfigDict(extra="ignore")

    price_list_id: UUID
    product_id: UUID
    amount: Money
    discount_tiers: list[DiscountTier]
