"""The sales sections of the customer 360 view of one account, read in one transaction so
the sections agree with each other."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from crmkit.database import DatabaseAccess
from crmkit.records import json_safe
from sales.db import (AccountRepository, ContactRepository, InvoiceRepository, OpportunityRepository,
                      OrderRepository, QuoteRepository, contacts, count_by_status, invoices, opportunities,
                      orders, quotes)
from sales.domain.pricing import as_money
from sales.flows import get_or_404

# The 360 view shows the recent past; the full lists are a filter away (?account_id=).
RECENT = 20


def _rows(connection, repo_cls, table, account_id: str, *conditions, order=None, limit=RECENT) -> list[dict]:
    query = select(table).where(table.c.account_id == account_id, *conditions)
    query = query.order_by(*(order or (table.c.created_at.desc(),)))
    if limit:
        query = query.limit(limit)
    repo = repo_cls(connection)
    return [repo.to_record(row) for row in connection.execute(query).mappings()]


def _sum_by_currency(records: list[dict], field: str) -> dict[str, str]:
    """{"EUR": "1200.00", "USD": "50.00"}: amounts in different currencies never add up."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for record in records:
        if record.get(field) is not None and record.get("currency"):
            sums[record["currency"]] += Decimal(record[field])
    return {currency: str(as_money(total, currency)) for currency, total in sorted(sums.items())}


def customer_overview(db: DatabaseAccess, account_id: str) -> dict:
    with db.reading() as connection:
        account = get_or_404(AccountRepository(connection), account_id, "account")
        account_id = account["id"]
        won = _rows(connection, OpportunityRepository, opportunities, account_id,
                    opportunities.c.status == "won", limit=None)
        counts = count_by_status(connection, opportunities, "account_id", account_id)
        paid = _rows(connection, InvoiceRepository, invoices, account_id, invoices.c.status == "paid", limit=None)
        open_invoices = _rows(connection, InvoiceRepository, invoices, account_id, invoices.c.status == "active",
                              order=(invoices.c.due_date, invoices.c.invoice_number), limit=None)
        today = datetime.now(timezone.utc).date()
        return json_safe({
            "account": account,
            "contacts": _rows(connection, ContactRepository, contacts, account_id,
                              order=(contacts.c.last_name, contacts.c.id), limit=100),
            "opportunities": {
                "open": _rows(connection, OpportunityRepository, opportunities, account_id,
                              opportunities.c.status == "open"),
                "won_count": len(won), "won_revenue": _sum_by_currency(won, "actual_revenue"),
                "lost_count": counts.get("lost", 0),
            },
            "quotes": _rows(connection, QuoteRepository, quotes, account_id),
            "orders": _rows(connection, OrderRepository, orders, account_id),
            "invoices": {
                "open": open_invoices,
                "paid_total": _sum_by_currency(paid, "total"),
                "overdue": [invoice for invoice in open_invoices if invoice["due_date"] < today],
            },
        })
