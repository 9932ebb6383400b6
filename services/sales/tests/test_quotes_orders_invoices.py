"""Quotes, orders and invoices over real RPC and PostgreSQL: prices from the price list with
tiers and manual discounts, revisions, acceptance into an order with QuoteAccepted, the Word
document, gapless invoice numbers under concurrency."""
import base64
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from docx import Document

from crmkit.errors import Conflict, NotFound, ValidationFailed
from sales.schemas import EVENT_PAYLOADS
from sales_builders import account, catalogue, outbox, quote_with_lines, unique


@pytest.fixture(scope="module")
def products(shared_sales):
    return catalogue(shared_sales.rpc)


def test_lines_are_priced_from_the_list_with_tiers_then_manual_discount(shared_sales, products):
    quote = quote_with_lines(shared_sales.rpc, products)
    course, handbook = quote["lines"]
    assert (course["unit_price"], course["amount"], course["net_amount"]) == ("1350.00", "4050.00", "4050.00")
    assert (handbook["quantity"], handbook["tier_percent"], handbook["tier_discount"], handbook["net_amount"]) == \
        ("20", "10", "45.00", "405.00")
    assert (quote["subtotal"], quote["discount_total"], quote["total"], quote["currency"]) == \
        ("4500.00", "45.00", "4455.00", "USD")
    changed = shared_sales.rpc.update_quote_line(quote["id"], handbook["id"], {"quantity": "60", "manual_discount": "0.5"})
    line = changed["lines"][1]
    # 60 x 22.50 = 1350.00; 15% tier = 202.50; manual 0.50 -> 1147.00
    assert (line["amount"], line["tier_percent"], line["tier_discount"], line["manual_discount"], line["net_amount"]) == \
        ("1350.00", "15", "202.50", "0.50", "1147.00")
    assert (changed["subtotal"], changed["discount_total"], changed["total"]) == ("5400.00", "203.00", "5197.00")
    after_delete = shared_sales.rpc.delete_quote_line(quote["id"], course["id"])
    assert [line["product_id"] for line in after_delete["lines"]] == [products["handbook"]["id"]]
    assert after_delete["total"] == "1147.00"


def test_a_given_unit_price_overrides_the_list_and_unlisted_products_need_one(shared_sales, products):
    rpc = shared_sales.rpc
    unlisted = rpc.create_product({"name": "Consulting day", "product_number": unique("X")})
    quote = rpc.create_quote({"name": "q", "account_id": account(rpc)["id"], "price_list_id": products["price_list"]["id"]})
    with pytest.raises(ValidationFailed) as raised:
        rpc.add_quote_line(quote["id"], {"product_id": unlisted["id"], "quantity": "1"})
    assert raised.value.errors[0]["field"] == "unit_price"
    priced = rpc.add_quote_line(quote["id"], {"product_id": unlisted["id"], "quantity": "2.5", "unit_price": "999.99"})
    assert (priced["lines"][0]["amount"], priced["lines"][0]["quantity"]) == ("2499.98", "2.5")  # 2499.975 half-up
    with pytest.raises(ValidationFailed) as raised:
        rpc.add_quote_line(quote["id"], {"product_id": unlisted["id"], "quantity": "1", "unit_price": "10",
                                         "manual_discount": "10.01"})
    assert raised.value.errors[0]["field"] == "manual_discount"


def test_bad_lines_list_every_field_and_retired_products_are_refused(shared_sales, products):
    rpc = shared_sales.rpc
    quote = rpc.create_quote({"name": "q", "account_id": account(rpc)["id"], "price_list_id": products["price_list"]["id"]})
    with pytest.raises(ValidationFailed) as raised:
        rpc.add_quote_line(quote["id"], {"quantity": "0", "unit_price": "-1", "manual_discount": "x"})
    assert {e["field"] for e in raised.value.errors} == {"product_id", "quantity", "unit_price", "manual_discount"}
    retired = rpc.create_product({"name": "Old", "product_number": unique("R"), "status": "retired"})
    with pytest.raises(ValidationFailed):
        rpc.add_quote_line(quote["id"], {"product_id": retired["id"], "quantity": "1", "unit_price": "1"})
    assert rpc.get_quote(quote["id"])["lines"] == []


def test_a_price_list_outside_its_validity_prices_no_new_line(shared_sales, products):
    rpc = shared_sales.rpc
    expired = rpc.create_price_list({"name": unique("Old list"), "currency": "USD", "valid_from": "2020-01-01",
                                     "valid_to": str(date.today() - timedelta(days=1))})
    rpc.add_price_list_item(expired["id"], {"product_id": products["course"]["id"], "amount": "1"})
    quote = rpc.create_quote({"name": "q", "account_id": account(rpc)["id"], "price_list_id": expired["id"]})
    with pytest.raises(ValidationFailed) as raised:
        rpc.add_quote_line(quote["id"], {"product_id": products["course"]["id"], "quantity": "1"})
    assert "valid" in raised.value.errors[0]["message"]
    with pytest.raises(ValidationFailed) as raised:
        rpc.create_price_list({"name": "x", "currency": "USD", "valid_from": "2026-02-01", "valid_to": "2026-01-01"})
    assert raised.value.errors[0]["field"] == "valid_to"


def test_price_list_items_refuse_non_monotone_tiers_and_duplicates(shared_sales, products):
    rpc = shared_sales.rpc
    price_list = products["price_list"]
    with pytest.raises(ValidationFailed) as raised:
        rpc.add_price_list_item(price_list["id"], {"product_id": str(uuid.uuid4()), "amount": "5", "discount_tiers": [
            {"min_quantity": "10", "percent": "20"}, {"min_quantity": "20", "percent": "10"}]})
    assert {e["field"] for e in raised.value.errors} == {"discount_tiers", "product_id"}
    with pytest.raises(ValidationFailed) as raised:
        rpc.add_price_list_item(price_list["id"], {"product_id": products["course"]["id"], "amount": "5"})
    assert raised.value.errors[0]["field"] == "product_id"
    items = rpc.list_price_list_items(price_list["id"])
    assert {item["product_id"] for item in items} == {products["course"]["id"], products["handbook"]["id"]}


def test_a_quote_in_yen_rounds_to_whole_yen(shared_sales, products):
    rpc = shared_sales.rpc
    yen = rpc.create_price_list({"name": unique("JPY"), "currency": "JPY"})
    rpc.add_price_list_item(yen["id"], {"product_id": products["handbook"]["id"], "amount": "333.3",
                                        "discount_tiers": [{"min_quantity": "3", "percent": "12.5"}]})
    quote = rpc.create_quote({"name": "q", "account_id": account(rpc)["id"], "price_list_id": yen["id"]})
    quote = rpc.add_quote_line(quote["id"], {"product_id": products["handbook"]["id"], "quantity": "3"})
    # 999.9 -> 1000; 12.5% = 125; total 875
    assert (quote["subtotal"], quote["discount_total"], quote["total"]) == ("1000", "125", "875")


def test_revise_closes_the_active_quote_and_copies_its_lines_into_a_new_draft(shared_sales, products):
    rpc = shared_sales.rpc
    quote = quote_with_lines(rpc, products)
    rpc.activate_quote(quote["id"])
    with pytest.raises(Conflict):
        add = {"product_id": products["course"]["id"], "quantity": "1"}
        rpc.add_quote_line(quote["id"], add)  # lines are frozen once active
    draft = rpc.revise_quote(quote["id"])
    old = rpc.get_quote(quote["id"])
    assert (old["status"], old["close_reason"]) == ("closed", "revised")
    assert (draft["status"], draft["revision"], draft["previous_revision_id"]) == ("draft", 2, quote["id"])
    strip = ("id", "quote_id", "created_at")
    assert [{k: v for k, v in line.items() if k not in strip} for line in draft["lines"]] == \
        [{k: v for k, v in line.items() if k not in strip} for line in quote["lines"]]
    assert draft["total"] == quote["total"] == "4455.00"


def test_an_empty_quote_cannot_be_activated(shared_sales, products):
    rpc = shared_sales.rpc
    quote = rpc.create_quote({"name": "q", "account_id": account(rpc)["id"], "price_list_id": products["price_list"]["id"]})
    with pytest.raises(Conflict):
        rpc.activate_quote(quote["id"])


def test_accept_creates_the_order_and_records_quote_accepted_with_service_lines(shared_sales, products):
    rpc = shared_sales.rpc
    lead = rpc.create_lead({"topic": "t", "last_name": "L", "company_name": unique("Co"), "source": "campaign",
                            "campaign_id": str(uuid.uuid4())})
    qualified = rpc.qualify_lead(lead["id"], {})
    quote = quote_with_lines(rpc, products, qualified["account_id"], opportunity_id=qualified["opportunity_id"])
    rpc.activate_quote(quote["id"])
    accepted = rpc.accept_quote(quote["id"])
    assert accepted["quote"]["status"] == "won"
    order = rpc.get_order(accepted["order_id"])
    assert (order["status"], order["quote_id"], order["total"], order["account_id"]) == \
        ("active", quote["id"], "4455.00", qualified["account_id"])
    assert [line["net_amount"] for line in order["lines"]] == ["4050.00", "405.00"]
    [event] = [e for e in outbox(shared_sales, "QuoteAccepted") if e["payload"]["quote_id"] == quote["id"]]
    payload = event["payload"]
    assert EVENT_PAYLOADS["QuoteAccepted"]().validate(payload) == {}
    assert (payload["order_id"], payload["total"], payload["campaign_id"]) == \
        (order["id"], "4455.00", lead["campaign_id"])
    assert [(line["quantity"], line["is_service"], line["scheduling_service_id"]) for line in payload["lines"]] == \
        [("3", True, products["course"]["scheduling_service_id"]), ("20", False, None)]


def test_fulfil_invoice_pay_record_their_events(shared_sales, products):
    rpc = shared_sales.rpc
    quote = quote_with_lines(rpc, products)
    rpc.activate_quote(quote["id"])
    order_id = rpc.accept_quote(quote["id"])["order_id"]
    rpc.fulfil_order(order_id)
    with pytest.raises(ValidationFailed):
        rpc.invoice_order(order_id, {"due_date": "2000-01-01"})
    due = str(date.today() + timedelta(days=14))
    invoiced = rpc.invoice_order(order_id, {"due_date": due})
    assert invoiced["order"]["status"] == "invoiced"
    invoice = rpc.get_invoice(invoiced["invoice_id"])
    assert (invoice["total"], invoice["due_date"], invoice["status"]) == ("4455.00", due, "active")
    assert invoice["invoice_number"].startswith("INV-")
    paid = rpc.pay_invoice(invoice["id"], {"paid_at": "2026-12-01T09:30:00+01:00"})
    assert (paid["status"], paid["paid_at"]) == ("paid", "2026-12-01T08:30:00Z")
    for event_type, key, value in (("OrderFulfilled", "order_id", order_id), ("InvoiceCreated", "invoice_id", invoice["id"]),
                                   ("InvoicePaid", "invoice_id", invoice["id"])):
        [event] = [e for e in outbox(shared_sales, event_type) if e["payload"][key] == value]
        assert EVENT_PAYLOADS[event_type]().validate(event["payload"]) == {}
        assert event["payload"]["total"] == "4455.00"


def test_a_cancelled_invoice_keeps_its_number_and_the_order_can_be_invoiced_again(shared_sales, products):
    rpc = shared_sales.rpc
    quote = quote_with_lines(rpc, products)
    rpc.activate_quote(quote["id"])
    order_id = rpc.accept_quote(quote["id"])["order_id"]
    first = rpc.invoice_order(order_id)["invoice_id"]
    rpc.cancel_invoice(first)
    assert rpc.get_order(order_id)["status"] == "active"
    second = rpc.invoice_order(order_id)["invoice_id"]
    numbers = [rpc.get_invoice(i)["invoice_number"] for i in (first, second)]
    assert int(numbers[1][4:]) == int(numbers[0][4:]) + 1


def test_invoice_numbers_have_no_gaps_under_concurrency(shared_sales, products):
    rpc = shared_sales.rpc
    orders = []
    for _ in range(8):
        quote = quote_with_lines(rpc, products)
        rpc.activate_quote(quote["id"])
        orders.append(rpc.accept_quote(quote["id"])["order_id"])
    orders.append(orders[0])  # invoicing one order twice at once: one of the two must lose
    before = shared_sales.sql.scalar("SELECT last_value FROM number_series WHERE name = 'invoice'")

    def invoice(order_id):
        from nameko.standalone.rpc import ServiceRpcProxy

        with ServiceRpcProxy("sales", {"AMQP_URI": shared_sales.amqp_uri}) as proxy:  # one client per thread
            try:
                return proxy.invoice_order(order_id)["invoice_id"]
            except Conflict:
                return None

    with ThreadPoolExecutor(max_workers=9) as pool:
        results = list(pool.map(invoice, orders))
    assert sum(result is None for result in results) == 1
    numbers = sorted(int(n[4:]) for n in shared_sales.sql.rows(
        "SELECT invoice_number AS n FROM invoices WHERE order_id = ANY(:o)", o=orders[:8]) for n in [n["n"]])
    assert numbers == list(range(before + 1, before + 9))


def test_the_quote_document_opens_with_python_docx_and_holds_lines_and_totals(shared_sales, products):
    rpc = shared_sales.rpc
    customer = account(rpc, name=unique("Fabrikam"))
    quote = quote_with_lines(rpc, products, customer["id"])
    quote = rpc.update_quote_line(quote["id"], quote["lines"][1]["id"], {"manual_discount": "5"})
    document = rpc.quote_document(quote["id"])
    assert document["filename"].endswith(".docx")
    opened = Document(io.BytesIO(base64.b64decode(document["content_base64"])))
    text = "\n".join(p.text for p in opened.paragraphs)
    [table] = opened.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Product", "Quantity", "Unit price", "Amount", "Discount", "Net amount"]
    assert rows[1] == ["CRM administration course", "3", "1350.00", "4050.00", "-", "4050.00"]
    assert rows[2] == ["Course handbook", "20", "22.50", "450.00", "45.00 (10% volume) + 5.00 (manual)", "400.00"]
    assert customer["name"] in text
    assert "Subtotal: 4500.00 USD" in text and "Discounts: 50.00 USD" in text and "Total: 4450.00 USD" in text
    with pytest.raises(NotFound):
        rpc.quote_document(str(uuid.uuid4()))
