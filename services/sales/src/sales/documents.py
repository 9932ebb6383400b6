"""The quote as a Word document (python-docx): customer, lines with their discounts, totals.
Rendering is CPU work, so it runs in eventlet's thread pool and the service keeps answering."""
from __future__ import annotations

import base64
import io
from decimal import Decimal

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from eventlet import tpool

from crmkit.database import DatabaseAccess
from crmkit.records import json_safe
from sales.db import AccountRepository, ContactRepository, QuoteRepository
from sales.flows import get_or_404

LINE_COLUMNS = ("Product", "Quantity", "Unit price", "Amount", "Discount", "Net amount")


def quote_document(db: DatabaseAccess, quote_id: str) -> dict:
    with db.reading() as connection:
        quote = json_safe(get_or_404(QuoteRepository(connection), quote_id, "quote"))
        account = json_safe(AccountRepository(connection).get(quote["account_id"]))
        contact = ContactRepository(connection).get(quote["contact_id"]) if quote["contact_id"] else None
    content = tpool.execute(render_quote, quote, account, json_safe(contact))
    return {"filename": f"quote-{quote['id']}-rev{quote['revision']}.docx",
            "content_base64": base64.b64encode(content).decode()}


def _discount_text(line: dict) -> str:
    parts = []
    if Decimal(line["tier_discount"]):
        parts.append(f"{line['tier_discount']} ({line['tier_percent']}% volume)")
    if Decimal(line["manual_discount"]):
        parts.append(f"{line['manual_discount']} (manual)")
    return " + ".join(parts) or "-"


def render_quote(quote: dict, account: dict, contact: dict | None) -> bytes:
    document = Document()
    document.add_heading(f"Quote: {quote['name']}", level=1)
    document.add_paragraph(f"Revision {quote['revision']} · status {quote['status']}"
                           + (f" · valid until {quote['valid_until']}" if quote.get("valid_until") else ""))
    customer = document.add_paragraph()
    customer.add_run("Customer: ").bold = True
    customer.add_run(account["name"])
    if contact:
        customer.add_run(f"\nAttention: {' '.join(filter(None, (contact.get('first_name'), contact['last_name'])))}")
    table = document.add_table(rows=1, cols=len(LINE_COLUMNS))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, LINE_COLUMNS):
        cell.text = title
    for line in quote["lines"]:
        cells = table.add_row().cells
        values = (line["product_name"], line["quantity"], line["unit_price"], line["amount"],
                  _discount_text(line), line["net_amount"])
        for cell, value in zip(cells, values):
            cell.text = str(value)
    currency = quote["currency"]
    for label, amount in (("Subtotal", quote["subtotal"]), ("Discounts", quote["discount_total"]),
                          ("Total", quote["total"])):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run(f"{label}: {amount} {currency}")
        run.bold = label == "Total"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
