"""The sales sections of the customer 360 view of one account: the records it shows (the
recent ones), and counts and totals added up by PostgreSQL over all of them."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from crmkit.database import DatabaseAccess
from crmkit.records import json_safe
from sales.db import (AccountRepository, ContactRepository, InvoiceRepository, OpportunityRepository,
                      OrderRepository, QuoteRepository, contacts, invoices, opportunities,
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


def _sums_by_currency(rows) -> dict[str, str]:
    """{"EUR": "1200.00", "USD": "50.00"} from (currency, sum) rows: amounts in different
    currencies never add up, and a currency with nothing to add is left out."""
    return {currency: str(as_money(total, currency))
            for currency, total in sorted((c, t) for c, t in rows if c and t is not None)}


def _closed_opportunities(connection, account_id: str) -> dict:
    """How many were won and lost, and the revenue won per currency, added up by PostgreSQL:
    an account may have thousands of closed opportunities, and none of them is shown."""
    rows = connection.execute(
        select(opportunities.c.status, opportunities.c.currency, func.count(), func.sum(opportunities.c.actual_revenue))
        .where(opportunities.c.account_id == account_id, opportunities.c.status.in_(("won", "lost")))
        .group_by(opportunities.c.status, opportunities.c.currency)).all()
    count = {"won": 0, "lost": 0}
    for status, _currency, number, _revenue in rows:
        count[status] += number
    return {"won_count": count["won"],
            "won_revenue": _sums_by_currency((currency, revenue) for status, currency, _n, revenue in rows
                                             if status == "won"),
            "lost_count": count["lost"]}


def _paid_totals(connection, account_id: str) -> dict[str, str]:
    return _sums_by_currency(connection.execute(
        select(invoices.c.currency, func.sum(invoices.c.total))
        .where(invoices.c.account_id == account_id, invoices.c.status == "paid")
        .group_by(invoices.c.currency)).all())


def customer_overview(db: DatabaseAccess, account_id: str) -> dict:
    with db.reading() as connection:
        account = get_or_404(AccountRepository(connection), account_id, "account")
        account_id = account["id"]
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
                **_closed_opportunities(connection, account_id),
            },
            "quotes": _rows(connection, QuoteRepository, quotes, account_id),
            "orders": _rows(connection, OrderRepository, orders, account_id),
            "invoices": {
                "open": open_invoices,
                "paid_total": _paid_totals(connection, account_id),
                "overdue": [invoice for invoice in open_invoices if invoice["due_date"] < today],
            },
        })
