"""Quotes: drafts whose lines are priced from the price list, activation (lines frozen),
revision (a new draft with the lines copied; the old one closes), acceptance (the order is
created and QuoteAccepted recorded in the same transaction) and closing."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import delete, func, insert, select, update

from crmkit.database import DatabaseAccess
from crmkit.errors import Conflict, NotFound
from crmkit.records import json_safe, load
from crmkit.resources import Resource, ResourceFlows
from sales.catalogue import tiers_of
from sales.db import (AccountRepository, ContactRepository, OpportunityRepository, OrderRepository,
                      PriceListItemRepository, PriceListRepository, ProductRepository, QuoteRepository,
                      quote_lines, quotes)
from sales.domain import events, pricing
from sales.domain.lifecycle import QUOTE
from sales.flows import act, get_or_404, load_input, missing_references, raise_for
from sales.schemas import OptionalReasonInput, QuoteInput, QuoteLineInput

# The columns of a quote line that are its pricing.LinePrice.
PRICE_FIELDS = ("unit_price", "quantity", "amount", "tier_percent", "tier_discount", "manual_discount", "net_amount")
# What an order keeps of each quote line: enough to deliver and invoice it without the quote.
ORDER_LINE_FIELDS = ("id", "product_id", "product_name", "unit", "is_service", "scheduling_service_id",
                     "quantity", "unit_price", "amount", "tier_percent", "tier_discount", "manual_discount",
                     "net_amount")


def check_quote(repo: QuoteRepository, quote: dict) -> list[dict]:
    if quote.get("id"):
        QUOTE.next_status(quote["status"], "edit")  # only a draft changes: 409 otherwise
    errors = missing_references(repo.connection, quote, (
        (AccountRepository, "account_id", "account"), (ContactRepository, "contact_id", "contact"),
        (OpportunityRepository, "opportunity_id", "opportunity"), (PriceListRepository, "price_list_id", "price list")))
    if quote.get("id") and quote.get("lines"):
        stored = repo.connection.execute(select(quotes.c.price_list_id).where(quotes.c.id == quote["id"])).scalar()
        if stored != quote["price_list_id"]:
            errors.append({"field": "price_list_id",
                           "message": "the lines were priced from the current list; remove them first"})
    return errors


def quote_delete_blocker(repo: QuoteRepository, quote: dict) -> str | None:
    if quote["status"] != "draft":
        return f"Only a draft quote can be deleted; this one is {quote['status']} (close it instead)."
    return None


QUOTES = Resource(label="quote", event_prefix="Quote", schema=QuoteInput, repository=QuoteRepository,
                  event_payload=dict, check=check_quote, delete_blocker=quote_delete_blocker,
                  publish_events=False)


def quote_flows(db: DatabaseAccess):
    return ResourceFlows(db, QUOTES)


# --- lines -------------------------------------------------------------------------------

def _draft(connection, quote_id: str) -> dict:
    quote = get_or_404(QuoteRepository(connection), quote_id, "quote", for_update=True)
    QUOTE.next_status(quote["status"], "edit")
    return quote


def _priced(connection, quote: dict, product_id: str, quantity: Decimal, unit_price: Decimal | None,
            manual_discount: Decimal | None) -> dict:
    """Line columns for `quantity` of the product, priced from the quote's price list."""
    product = ProductRepository(connection).get(product_id)
    if product is None or product["status"] != "active":
        raise_for([{"field": "product_id", "message": f"no active product with id {product_id}"}], "quote line")
    price_list = PriceListRepository(connection).get(quote["price_list_id"])
    today = datetime.now(timezone.utc).date()
    if (price_list["valid_from"] or date.min) > today or (price_list["valid_to"] or date.max) < today:
        raise_for([{"field": "product_id", "message": f"the quote's price list is valid from "
                    f"{price_list['valid_from']} to {price_list['valid_to']}, not today"}], "quote line")
    item = PriceListItemRepository(connection).find(quote["price_list_id"], product["id"])
    if item is None and unit_price is None:
        raise_for([{"field": "unit_price", "message": "the product is not on the quote's price list; give a unit_price"}],
                  "quote line")
    try:
        price = pricing.price_line(unit_price if unit_price is not None else item["amount"], quantity,
                                   tiers_of(item) if item else [], manual_discount or Decimal(0), quote["currency"])
    except pricing.PricingError as error:
        raise_for([{"field": error.field, "message": str(error)}], "quote line")
    return {"product_id": product["id"], "product_name": product["name"], "unit": product["unit"],
            "is_service": product["is_service"], "scheduling_service_id": product["scheduling_service_id"],
            "price_overridden": unit_price is not None, **{field: getattr(price, field) for field in PRICE_FIELDS}}


def _retotal(connection, quote: dict) -> dict:
    """Totals are sums of the stored (already rounded) line amounts."""
    rows = connection.execute(select(*(quote_lines.c[field] for field in PRICE_FIELDS))
                              .where(quote_lines.c.quote_id == quote["id"])).mappings()
    totals = pricing.totals([pricing.LinePrice(**row) for row in rows], quote["currency"])
    return json_safe(QuoteRepository(connection).change(quote, {
        "subtotal": totals.subtotal, "discount_total": totals.discount_total, "total": totals.total}))


def add_line(db: DatabaseAccess, quote_id: str, data) -> dict:
    values = load_input(QuoteLineInput, data)
    with db.unit_of_work() as uow:
        quote = _draft(uow.connection, quote_id)
        line = _priced(uow.connection, quote, values["product_id"], values["quantity"], values.get("unit_price"),
                       values.get("manual_discount"))
        position = uow.connection.execute(select(func.coalesce(func.max(quote_lines.c.position), 0))
                                          .where(quote_lines.c.quote_id == quote["id"])).scalar() + 1
        uow.connection.execute(insert(quote_lines).values(
            id=str(uuid.uuid4()), quote_id=quote["id"], position=position,
            created_at=datetime.now(timezone.utc), **line))
        return _retotal(uow.connection, quote)


def _line(quote: dict, line_id: str) -> dict:
    for line in quote["lines"]:
        if line["id"] == str(line_id):
            return line
    raise NotFound(f"No line {line_id} on quote {quote['id']}")


def update_line(db: DatabaseAccess, quote_id: str, line_id: str, changes) -> dict:
    """Quantity, manual discount or unit price change; the line is priced again
    (unit_price null goes back to the price list's price)."""
    values = load(QuoteLineInput(), changes, partial=True)
    if "product_id" in values:
        raise_for([{"field": "product_id", "message": "a line keeps its product; add another line"}], "quote line")
    with db.unit_of_work() as uow:
        quote = _draft(uow.connection, quote_id)
        line = _line(quote, line_id)
        unit_price = values["unit_price"] if "unit_price" in values else (
            Decimal(line["unit_price"]) if line["price_overridden"] else None)
        priced = _priced(uow.connection, quote, line["product_id"],
                         values.get("quantity", Decimal(line["quantity"])), unit_price,
                         values["manual_discount"] if "manual_discount" in values else Decimal(line["manual_discount"]))
        uow.connection.execute(update(quote_lines).where(quote_lines.c.id == line["id"]).values(**priced))
        return _retotal(uow.connection, quote)


def delete_line(db: DatabaseAccess, quote_id: str, line_id: str) -> dict:
    with db.unit_of_work() as uow:
        quote = _draft(uow.connection, quote_id)
        line = _line(quote, line_id)
        uow.connection.execute(delete(quote_lines).where(quote_lines.c.id == line["id"]))
        return _retotal(uow.connection, quote)


# --- actions -----------------------------------------------------------------------------

def _with_lines(quote: dict) -> dict:
    if not quote["lines"]:
        raise Conflict("A quote without lines cannot be sent to the customer; add lines first.",
                       [{"field": "lines", "message": "is empty"}])
    return {}


def activate(db: DatabaseAccess, quote_id: str) -> dict:
    with db.unit_of_work() as uow:
        return act(uow, QuoteRepository(uow.connection), quote_id, QUOTE, "activate",
                   lambda quote: _with_lines(quote) | {"activated_at": datetime.now(timezone.utc)})[1]


def close(db: DatabaseAccess, quote_id: str, data) -> dict:
    reason = load_input(OptionalReasonInput, data).get("reason")
    with db.unit_of_work() as uow:
        return act(uow, QuoteRepository(uow.connection), quote_id, QUOTE, "close",
                   lambda quote: {"close_reason": reason, "closed_at": datetime.now(timezone.utc)})[1]


def revise(db: DatabaseAccess, quote_id: str) -> dict:
    """Close the active quote and return a new draft: revision + 1, the same lines and prices."""
    with db.unit_of_work() as uow:
        connection = uow.connection
        repo = QuoteRepository(connection)
        old, closed = act(uow, repo, quote_id, QUOTE, "revise",
                          lambda quote: {"close_reason": "revised", "closed_at": datetime.now(timezone.utc)})
        draft = repo.add({key: old[key] for key in ("name", "account_id", "contact_id", "opportunity_id",
                                                     "price_list_id", "valid_until", "description")}
                         | {"revision": old["revision"] + 1, "previous_revision_id": old["id"],
                            "subtotal": old["subtotal"], "discount_total": old["discount_total"],
                            "total": old["total"]}, old["owner_id"])
        rows = connection.execute(select(quote_lines).where(quote_lines.c.quote_id == old["id"])).mappings().all()
        if rows:
            connection.execute(insert(quote_lines), [
                dict(row) | {"id": str(uuid.uuid4()), "quote_id": draft["id"]} for row in rows])
        return json_safe(repo.get(draft["id"]))


def accept(db: DatabaseAccess, quote_id: str) -> dict:
    with db.unit_of_work() as uow:
        connection = uow.connection
        _, quote = act(uow, QuoteRepository(connection), quote_id, QUOTE, "accept", _with_lines)
        order = json_safe(OrderRepository(connection).add({
            "quote_id": quote["id"], "account_id": quote["account_id"], "opportunity_id": quote["opportunity_id"],
            "name": quote["name"], "currency": quote["currency"],
            "lines": [{key: line[key] for key in ORDER_LINE_FIELDS} for line in quote["lines"]],
            "subtotal": quote["subtotal"], "discount_total": quote["discount_total"], "total": quote["total"],
        }, quote["owner_id"]))
        opportunity = OpportunityRepository(connection).get(quote["opportunity_id"]) if quote["opportunity_id"] else None
        uow.add_event("QuoteAccepted", events.quote_accepted(quote, order, opportunity and opportunity["campaign_id"]))
        return {"quote": quote, "order_id": order["id"]}
