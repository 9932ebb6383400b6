"""Payloads of the lifecycle events sales publishes (schemas in sales.schemas, examples in
contracts/events). Records arrive JSON-safe: ids and amounts are already strings."""
from __future__ import annotations


def lead_created(lead: dict) -> dict:
    return {key: lead.get(key) for key in (
        "campaign_id", "campaign_response_id", "source", "topic", "first_name", "last_name",
        "company_name", "email", "phone", "owner_id")} | {"lead_id": lead["id"]}


def lead_qualified(lead: dict) -> dict:
    return {"lead_id": lead["id"], **{key: lead.get(key) for key in (
        "account_id", "contact_id", "opportunity_id", "campaign_id", "source", "estimated_value",
        "currency", "owner_id")}}


def lead_disqualified(lead: dict) -> dict:
    return {"lead_id": lead["id"], "campaign_id": lead.get("campaign_id"),
            "reason": lead["status_reason"], "owner_id": lead.get("owner_id")}


def opportunity_closed(opportunity: dict) -> dict:
    """OpportunityWon and OpportunityLost carry the same fields."""
    return {"opportunity_id": opportunity["id"], **{key: opportunity.get(key) for key in (
        "account_id", "campaign_id", "originating_lead_id", "actual_revenue", "currency",
        "competitor_id", "owner_id")},
        "reason": opportunity.get("close_reason"), "close_date": opportunity.get("actual_close_date")}


def accepted_line(line: dict) -> dict:
    return {"line_id": line["id"], **{key: line.get(key) for key in (
        "product_id", "product_name", "quantity", "unit", "net_amount", "is_service",
        "scheduling_service_id")}}


def quote_accepted(quote: dict, order: dict, campaign_id: str | None) -> dict:
    return {"quote_id": quote["id"], "order_id": order["id"], "campaign_id": campaign_id,
            **{key: quote.get(key) for key in ("account_id", "contact_id", "opportunity_id", "total",
                                               "currency", "owner_id")},
            "lines": [accepted_line(line) for line in order["lines"]]}


def order_fulfilled(order: dict) -> dict:
    return {"order_id": order["id"], **{key: order.get(key) for key in (
        "quote_id", "account_id", "total", "currency", "owner_id")}}


def invoice_created(invoice: dict) -> dict:
    return {"invoice_id": invoice["id"], **{key: invoice.get(key) for key in (
        "invoice_number", "order_id", "account_id", "total", "currency", "due_date", "owner_id")}}


def invoice_paid(invoice: dict) -> dict:
    return {"invoice_id": invoice["id"], **{key: invoice.get(key) for key in (
        "invoice_number", "order_id", "account_id", "total", "currency", "paid_at", "owner_id")}}


def merged(kind: str, surviving_id: str, merged_id: str, merge_id: str) -> dict:
    return {f"merged_{kind}_id": merged_id, f"surviving_{kind}_id": surviving_id, "merge_id": merge_id}
