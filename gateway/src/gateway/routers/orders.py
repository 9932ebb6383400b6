"""/api/v1/orders, owned by the sales service. Orders are made by accepting a quote and
change only by their actions: fulfil, cancel, invoice."""
from __future__ import annotations

from gateway.models.orders import InvoiceRequest, Invoicing, Order, OrderListQuery
from gateway.routers._sales_actions import action, read_router

router = read_router("orders", "order", Order, OrderListQuery)

action(router, "fulfil", "fulfil_order", id_name="order_id", response_model=Order,
       summary="active -> fulfilled; publishes OrderFulfilled")
action(router, "cancel", "cancel_order", id_name="order_id", response_model=Order, summary="active -> cancelled")
action(router, "invoice", "invoice_order", id_name="order_id", response_model=Invoicing, body=InvoiceRequest,
       summary="active or fulfilled -> invoiced: creates the invoice with the next number; publishes InvoiceCreated")
