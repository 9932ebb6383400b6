"""Orders (made by accepting a quote: fulfil, cancel, invoice) and invoices (gapless
sequential numbers, due date, pay, cancel)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from marshmallow import Schema

from crmkit.database import DatabaseAccess
from crmkit.records import json_safe
from crmkit.resources import Resource, ResourceFlows
from sales.db import InvoiceRepository, OrderRepository, next_number
from sales.domain import events
from sales.domain.lifecycle import INVOICE, ORDER, order_status_after_invoice_cancelled
from sales.flows import act, get_or_404, load_input, raise_for
from sales.schemas import InvoiceOrderInput, PayInput

PAYMENT_TERMS = timedelta(days=30)
INVOICE_NUMBER_FORMAT = "INV-{:06d}"

# Orders and invoices are made by actions, never created or edited field by field: their
# resources serve reads only.
ORDERS = Resource(label="order", event_prefix="Order", schema=Schema, repository=OrderRepository,
                  event_payload=dict, publish_events=False)
INVOICES = Resource(label="invoice", event_prefix="Invoice", schema=Schema, repository=InvoiceRepository,
                    event_payload=dict, publish_events=False)


def order_reads(db: DatabaseAccess):
    return ResourceFlows(db, ORDERS)


def invoice_reads(db: DatabaseAccess):
    return ResourceFlows(db, INVOICES)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def fulfil(db: DatabaseAccess, order_id: str) -> dict:
    with db.unit_of_work() as uow:
        _, order = act(uow, OrderRepository(uow.connection), order_id, ORDER, "fulfil",
                       lambda current: {"fulfilled_at": _now()})
        uow.add_event("OrderFulfilled", events.order_fulfilled(order))
        return order


def cancel(db: DatabaseAccess, order_id: str) -> dict:
    with db.unit_of_work() as uow:
        return act(uow, OrderRepository(uow.connection), order_id, ORDER, "cancel",
                   lambda current: {"cancelled_at": _now()})[1]


def invoice(db: DatabaseAccess, order_id: str, data) -> dict:
    """The invoice takes the next number in the same transaction: the series row stays locked
    until commit, so concurrent invoices are numbered in turn, and a failed one leaves no gap."""
    values = load_input(InvoiceOrderInput, data)
    today = _now().date()
    due = values.get("due_date") or today + PAYMENT_TERMS
    raise_for([{"field": "due_date", "message": "must not be in the past"}] if due < today else [], "invoice")
    with db.unit_of_work() as uow:
        _, order = act(uow, OrderRepository(uow.connection), order_id, ORDER, "invoice")
        number = INVOICE_NUMBER_FORMAT.format(next_number(uow.connection, "invoice"))
        created = json_safe(InvoiceRepository(uow.connection).add({
            "invoice_number": number, "order_id": order["id"], "account_id": order["account_id"],
            "currency": order["currency"], "lines": order["lines"], "subtotal": order["subtotal"],
            "discount_total": order["discount_total"], "total": order["total"], "due_date": due,
        }, order["owner_id"]))
        uow.add_event("InvoiceCreated", events.invoice_created(created))
        return {"order": order, "invoice_id": created["id"]}


def pay(db: DatabaseAccess, invoice_id: str, data) -> dict:
    paid_at = load_input(PayInput, data).get("paid_at") or _now()
    with db.unit_of_work() as uow:
        _, paid = act(uow, InvoiceRepository(uow.connection), invoice_id, INVOICE, "pay",
                      lambda current: {"paid_at": paid_at})
        uow.add_event("InvoicePaid", events.invoice_paid(paid))
        return paid


def cancel_invoice(db: DatabaseAccess, invoice_id: str) -> dict:
    """The number stays used (a cancelled invoice is kept); the order can be invoiced again."""
    with db.unit_of_work() as uow:
        _, cancelled = act(uow, InvoiceRepository(uow.connection), invoice_id, INVOICE, "cancel",
                           lambda current: {"cancelled_at": _now()})
        orders = OrderRepository(uow.connection)
        order = get_or_404(orders, cancelled["order_id"], "order", for_update=True)
        orders.change(order, {"status": order_status_after_invoice_cancelled(order)})
        return cancelled
