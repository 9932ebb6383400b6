"""The sales routes of the gateway: every path of API.md "Sales" is served and described, and
bad input is refused at the edge with every bad field listed (the service is never called)."""
from __future__ import annotations

import uuid

import pytest

SALES_PATHS = {
    "/api/v1/leads": {"get", "post"}, "/api/v1/leads/{lead_id}": {"get", "patch", "delete"},
    "/api/v1/leads/{lead_id}/qualify": {"post"}, "/api/v1/leads/{lead_id}/disqualify": {"post"},
    "/api/v1/opportunities": {"get", "post"}, "/api/v1/opportunities/{opportunity_id}/win": {"post"},
    "/api/v1/opportunities/{opportunity_id}/lose": {"post"},
    "/api/v1/opportunities/{opportunity_id}/competitors": {"get", "post"},
    "/api/v1/competitors": {"get", "post"}, "/api/v1/competitors/{competitor_id}": {"get", "patch", "delete"},
    "/api/v1/products": {"get", "post"}, "/api/v1/products/{product_id}": {"get", "patch", "delete"},
    "/api/v1/price-lists": {"get", "post"}, "/api/v1/price-lists/{price_list_id}/items": {"get", "post"},
    "/api/v1/quotes": {"get", "post"}, "/api/v1/quotes/{quote_id}/lines": {"post"},
    "/api/v1/quotes/{quote_id}/activate": {"post"}, "/api/v1/quotes/{quote_id}/revise": {"post"},
    "/api/v1/quotes/{quote_id}/accept": {"post"}, "/api/v1/quotes/{quote_id}/close": {"post"},
    "/api/v1/quotes/{quote_id}/document": {"get"},
    "/api/v1/orders": {"get"}, "/api/v1/orders/{order_id}": {"get"},
    "/api/v1/orders/{order_id}/fulfil": {"post"}, "/api/v1/orders/{order_id}/cancel": {"post"},
    "/api/v1/orders/{order_id}/invoice": {"post"},
    "/api/v1/invoices": {"get"}, "/api/v1/invoices/{invoice_id}": {"get"},
    "/api/v1/invoices/{invoice_id}/pay": {"post"}, "/api/v1/invoices/{invoice_id}/cancel": {"post"},
    "/api/v1/contacts/{contact_id}/merge": {"post"}, "/api/v1/accounts/{account_id}/merge": {"post"},
}


def test_every_sales_path_and_action_is_served_and_described(client):
    document = client.get("/openapi.json").json()
    for path, methods in SALES_PATHS.items():
        assert methods <= set(document["paths"].get(path, {})), path
    # Orders and invoices are made by actions only: no create, edit or delete.
    assert set(document["paths"]["/api/v1/orders"]) == {"get"}
    assert set(document["paths"]["/api/v1/invoices/{invoice_id}"]) == {"get"}
    quote = document["components"]["schemas"]["Quote"]["properties"]
    assert {"lines", "subtotal", "discount_total", "total", "revision", "previous_revision_id", "status"} <= set(quote)
    docx = document["paths"]["/api/v1/quotes/{quote_id}/document"]["get"]["responses"]["200"]["content"]
    assert "application/vnd.openxmlformats-officedocument.wordprocessingml.document" in docx


@pytest.mark.parametrize("path,body,fields", [
    ("/api/v1/leads", {"source": "tv", "estimated_value": 12.5, "email": "not-mail", "currency": "usd"},
     {"topic", "last_name", "source", "estimated_value", "email", "currency"}),
    ("/api/v1/opportunities", {"probability": 101, "stage": "won", "account_id": "nope"},
     {"name", "account_id", "probability", "stage"}),
    ("/api/v1/products", {"default_price": "-1", "status": "gone"}, {"name", "product_number", "default_price", "status"}),
    ("/api/v1/quotes", {"valid_until": "tomorrow"}, {"name", "account_id", "price_list_id", "valid_until"}),
    (f"/api/v1/quotes/{uuid.uuid4()}/lines", {"quantity": "0", "unit_price": 1.5, "colour": "red"},
     {"product_id", "quantity", "unit_price", "colour"}),
    (f"/api/v1/price-lists/{uuid.uuid4()}/items", {"amount": "x", "discount_tiers": [{"min_quantity": "0", "percent": "101"}]},
     {"product_id", "amount", "discount_tiers.0.min_quantity", "discount_tiers.0.percent"}),
    (f"/api/v1/leads/{uuid.uuid4()}/qualify", {"existing_account_id": "x", "create_account": "maybe"},
     {"existing_account_id", "create_account"}),
    (f"/api/v1/opportunities/{uuid.uuid4()}/win", {"actual_revenue": 99.99}, {"actual_revenue"}),
    (f"/api/v1/contacts/{uuid.uuid4()}/merge", {}, {"duplicate_id"}),
    (f"/api/v1/orders/{uuid.uuid4()}/invoice", {"due_date": "31/12/2026"}, {"due_date"}),
])
def test_bad_input_is_a_422_naming_every_bad_field(client, auth_headers, path, body, fields):
    response = client.post(path, json=body, headers=auth_headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == fields


def test_allow_duplicate_is_for_creating_only(client, auth_headers):
    response = client.patch(f"/api/v1/contacts/{uuid.uuid4()}", json={"allow_duplicate": True}, headers=auth_headers)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["allow_duplicate"]


def test_actions_without_options_refuse_unknown_ones(client, auth_headers):
    response = client.post(f"/api/v1/quotes/{uuid.uuid4()}/activate", json={"force": True}, headers=auth_headers)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["force"]
