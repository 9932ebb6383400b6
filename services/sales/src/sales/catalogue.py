"""The product catalogue: products (service products name the scheduler service that each
unit sold becomes a session of), price lists per currency with validity dates, and their
items with quantity discount tiers."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crmkit.database import DatabaseAccess
from crmkit.errors import NotFound
from crmkit.records import json_safe, load
from crmkit.resources import Resource, ResourceFlows
from sales.db import (OpportunityRepository, PriceListItemRepository, PriceListRepository, ProductRepository,
                      QuoteRepository, price_list_items, quote_lines, show_amounts)
from sales.domain.pricing import Tier, tier_errors
from sales.flows import get_or_404, load_input, missing_reference, raise_for
from sales.schemas import PriceListInput, PriceListItemInput, ProductInput


def check_product(repo: ProductRepository, product: dict) -> list[dict]:
    errors = []
    if product.get("scheduling_service_id") and not product.get("is_service"):
        errors.append({"field": "scheduling_service_id", "message": "only a service product is scheduled"})
    if product.get("default_price") is not None and not product.get("currency"):
        errors.append({"field": "currency", "message": "required when default_price is given"})
    if product.get("product_number") and repo.number_taken(product["product_number"], product.get("id")):
        errors.append({"field": "product_number", "message": "already used by another product"})
    return errors


def product_delete_blocker(repo: ProductRepository, product: dict) -> str | None:
    priced = repo.connection.execute(select(price_list_items.c.id).where(
        price_list_items.c.product_id == product["id"]).limit(1)).first()
    quoted = repo.connection.execute(select(quote_lines.c.id).where(
        quote_lines.c.product_id == product["id"]).limit(1)).first()
    if priced or quoted:
        return "The product is on price lists or quotes; retire it (status retired) instead."
    return None


PRODUCTS = Resource(label="product", event_prefix="Product", schema=ProductInput, repository=ProductRepository,
                    event_payload=dict, check=check_product, delete_blocker=product_delete_blocker,
                    publish_events=False)


def check_price_list(repo: PriceListRepository, price_list: dict) -> list[dict]:
    start, end = price_list.get("valid_from"), price_list.get("valid_to")
    if start and end and end < start:
        return [{"field": "valid_to", "message": "must not be before valid_from"}]
    if price_list.get("id") and QuoteRepository(repo.connection).count_where("price_list_id", price_list["id"]):
        current = repo.get(price_list["id"])
        if current["currency"] != price_list["currency"]:
            return [{"field": "currency", "message": "quotes are priced from this list; its currency stays"}]
    return []


def price_list_delete_blocker(repo: PriceListRepository, price_list: dict) -> str | None:
    quotes = QuoteRepository(repo.connection).count_where("price_list_id", price_list["id"])
    opportunities = OpportunityRepository(repo.connection).count_where("price_list_id", price_list["id"])
    if quotes or opportunities:
        return f"The price list is used by {quotes} quote(s) and {opportunities} opportunity(ies)."
    return None


PRICE_LISTS = Resource(label="price list", event_prefix="PriceList", schema=PriceListInput,
                       repository=PriceListRepository, event_payload=dict, check=check_price_list,
                       delete_blocker=price_list_delete_blocker, publish_events=False)


def product_flows(db: DatabaseAccess):
    return ResourceFlows(db, PRODUCTS)


def price_list_flows(db: DatabaseAccess):
    return ResourceFlows(db, PRICE_LISTS)


# --- price list items ----------------------------------------------------------------------

def tiers_of(item: dict) -> list[Tier]:
    return [Tier(Decimal(tier["min_quantity"]), Decimal(tier["percent"])) for tier in item["discount_tiers"]]


def _stored_tiers(tiers: list[dict]) -> list[dict]:
    """Kept sorted by threshold, as exact decimal strings."""
    ordered = sorted(tiers, key=lambda tier: tier["min_quantity"])
    return [{"min_quantity": str(tier["min_quantity"]), "percent": str(tier["percent"])} for tier in ordered]


def _item_errors(values: dict) -> list[dict]:
    tiers = [Tier(tier["min_quantity"], tier["percent"]) for tier in values.get("discount_tiers") or []]
    return [{"field": "discount_tiers", "message": message} for message in tier_errors(tiers)]


def _item(connection, price_list_id: str, item_id: str, for_update: bool = False) -> dict:
    item = get_or_404(PriceListItemRepository(connection), item_id, "price list item", for_update)
    if item["price_list_id"] != price_list_id:
        raise NotFound(f"No price list item with id {item_id} on price list {price_list_id}")
    return item


def add_item(db: DatabaseAccess, price_list_id: str, data, owner_id: str | None) -> dict:
    values = load_input(PriceListItemInput, data)
    with db.unit_of_work() as uow:
        price_list = get_or_404(PriceListRepository(uow.connection), price_list_id, "price list", for_update=True)
        items = PriceListItemRepository(uow.connection)
        errors = _item_errors(values) + missing_reference(ProductRepository(uow.connection), values["product_id"],
                                                          "product_id", "product")
        if not errors and items.find(price_list["id"], values["product_id"]):
            errors.append({"field": "product_id", "message": "already on this price list; change that item"})
        raise_for(errors, "price list item")
        item = items.add(values | {"price_list_id": price_list["id"],
                                   "discount_tiers": _stored_tiers(values["discount_tiers"])}, owner_id)
        return _shown(item, price_list)


def _shown(item: dict, price_list: dict) -> dict:
    """Items have no currency of their own: their list's decides how amounts are shown."""
    return json_safe(show_amounts(item, price_list["currency"], ("amount",)))


def update_item(db: DatabaseAccess, price_list_id: str, item_id: str, changes) -> dict:
    values = load(PriceListItemInput(), changes, partial=True)
    raise_for([{"field": "product_id", "message": "an item stays on its product; add another item"}]
              if "product_id" in values else [], "price list item")
    with db.unit_of_work() as uow:
        price_list = get_or_404(PriceListRepository(uow.connection), price_list_id, "price list")
        item = _item(uow.connection, price_list["id"], item_id, for_update=True)
        raise_for(_item_errors(values), "price list item")
        if "discount_tiers" in values:
            values["discount_tiers"] = _stored_tiers(values["discount_tiers"])
        return _shown(PriceListItemRepository(uow.connection).change(item, values), price_list)


def delete_item(db: DatabaseAccess, price_list_id: str, item_id: str) -> None:
    """Quotes keep the prices they were given; removing an item only affects new lines."""
    with db.unit_of_work() as uow:
        price_list = get_or_404(PriceListRepository(uow.connection), price_list_id, "price list")
        item = _item(uow.connection, price_list["id"], item_id, for_update=True)
        PriceListItemRepository(uow.connection).remove(item["id"])


def list_items(db: DatabaseAccess, price_list_id: str) -> list[dict]:
    with db.reading() as connection:
        price_list = get_or_404(PriceListRepository(connection), price_list_id, "price list")
        rows = connection.execute(select(price_list_items).where(
            price_list_items.c.price_list_id == price_list["id"]).order_by(price_list_items.c.created_at))
        return [_shown(PriceListItemRepository(connection).to_record(row), price_list) for row in rows.mappings()]
