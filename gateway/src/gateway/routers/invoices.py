"""/api/v1/invoices, owned by the sales service. Invoices are made by invoicing an order and
change only by their actions: pay, cancel."""
from __future__ import annotations

from gateway.models.invoices import Invoice, InvoiceListQuery, PayRequest
from gateway.routers._sales_actions import action, read_router

router = read_router("invoices", "invoice", Invoice, InvoiceListQuery)

action(router, "pay", "pay_invoice", id_name="invoice_id", response_model=Invoice, body=PayRequest,
       summary="active -> paid; publishes InvoicePaid")
action(router, "cancel", "cancel_invoice", id_name="invoice_id", response_model=Invoice,
       summary="active -> cancelled: the number stays used, the order can be invoiced again")
