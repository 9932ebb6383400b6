"""Builders of sales records over RPC, shared by the service tests (not collected by pytest)."""
from __future__ import annotations

import uuid


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def catalogue(rpc, currency: str = "USD") -> dict:
    """A service product (3 sessions of a course), a tiered handbook and a price list."""
    course = rpc.create_product({"name": "CRM administration course", "product_number": unique("C"),
                                 "is_service": True, "unit": "session",
                                 "scheduling_service_id": str(uuid.uuid4())})
    handbook = rpc.create_product({"name": "Course handbook", "product_number": unique("H"), "unit": "copy"})
    price_list = rpc.create_price_list({"name": unique("List"), "currency": currency})
    rpc.add_price_list_item(price_list["id"], {"product_id": course["id"], "amount": "1350"})
    rpc.add_price_list_item(price_list["id"], {"product_id": handbook["id"], "amount": "22.50", "discount_tiers": [
        {"min_quantity": "10", "percent": "10"}, {"min_quantity": "50", "percent": "15"}]})
    return {"course": course, "handbook": handbook, "price_list": price_list}


def account(rpc, **fields) -> dict:
    return rpc.create_account({"name": unique("Account"), **fields}, owner_id=str(uuid.uuid4()))


def quote_with_lines(rpc, products: dict, account_id: str | None = None, **fields) -> dict:
    account_id = account_id or account(rpc)["id"]
    quote = rpc.create_quote({"name": unique("Quote"), "account_id": account_id,
                              "price_list_id": products["price_list"]["id"], **fields})
    rpc.add_quote_line(quote["id"], {"product_id": products["course"]["id"], "quantity": "3"})
    return rpc.add_quote_line(quote["id"], {"product_id": products["handbook"]["id"], "quantity": "20"})


def outbox(service, event_type: str | None = None) -> list[dict]:
    rows = service.sql.rows("SELECT event_type, envelope FROM outbox ORDER BY id")
    return [row["envelope"] for row in rows if event_type in (None, row["event_type"])]
