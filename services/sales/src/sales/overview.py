"""The sales sections of the customer 360 view of one account: the records it shows (the
recent ones), and counts and totals added up by PostgreSQL over all of them.

The statements are built once, with the account as a bound parameter: building a SELECT
(and its cache key) on every view cost more of the service's CPU than running it."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Select, Table, bindparam, func, select

from crmkit.database import DatabaseAccess
from crmkit.records import json_safe
from sales.db import (AccountRepository, ContactRepository, InvoiceRepository, OpportunityRepository,
                      OrderRepository, QuoteRepository, contacts, invoices, opportunities,
                      orders, quotes)
from sales.domain.pricing import as_money
from sales.flows import get_or_404

# The 360 view shows the recent past; the full lists are a filter away (?account_id=).
RECENT = 20
ACCOUNT = bindparam("account_id")


def _of_account(table: Table, *conditions, order=None, limit: int | None = RECENT) -> Select:
    query = (select(table).where(table.c.account_id == ACCOUNT, *conditions)
             .order_by(*(order or (table.c.created_at.desc(),))))
    return query.limit(limit) if limit else query


CONTACTS = _of_account(contacts, order=(contacts.c.last_name, contacts.c.id), limit=100)
OPEN_OPPORTUNITIES = _of_account(opportunities, opportunities.c.status == "open")
QUOTES = _of_account(quotes)
ORDERS = _of_account(orders)
OPEN_INVOICES = _of_account(invoices, invoices.c.status == "active",
                            order=(invoices.c.due_date, invoices.c.invoice_number), limit=None)
# An account may have thousands of closed opportunities and paid invoices; none is shown.
CLOSED_OPPORTUNITIES = (
    select(opportunities.c.status, opportunities.c.currency, func.count(), func.sum(opportunities.c.actual_revenue))
    .where(opportunities.c.account_id == ACCOUNT, opportunities.c.status.in_(("won", "lost")))
    .group_by(opportunities.c.status, opportunities.c.currency))
PAID_TOTALS = (select(invoices.c.currency, func.sum(invoices.c.total))
               .where(invoices.c.account_id == ACCOUNT, invoices.c.status == "paid")
               .group_by(invoices.c.currency))


def _records(connection, repo_cls, statement: Select, account_id: str) -> list[dict]:
    repo = repo_cls(connection)
    return [repo.to_record(row) for row in connection.execute(statement, {"account_id": account_id}).mappings()]


def _sums_by_currency(rows) -> dict[str, str]:
    """{"EUR": "1200.00", "USD": "50.00"} from (currency, sum) rows: amounts in different
    currencies never add up, and a currency with nothing to add is left out."""
    return {currency: str(as_money(total, currency))
            for currency, total in sorted((c, t) for c, t in rows if c and t is not None)}


def _closed_opportunities(connection, account_id: str) -> dict:
    """How many were won and lost, and the revenue won per currency."""
    rows = connection.execute(CLOSED_OPPORTUNITIES, {"account_id": account_id}).all()
    count = {"won": 0, "lost": 0}
    for status, _currency, number, _revenue in rows:
        count[status] += number
    return {"won_count": count["won"],
            "won_revenue": _sums_by_currency((currency, revenue) for status, currency, _n, revenue in rows
                                             if status == "won"),
            "lost_count": count["lost"]}


def customer_overview(db: DatabaseAccess, account_id: str) -> dict:
    with db.reading() as connection:
        account = get_or_404(AccountRepository(connection), account_id, "account")
        account_id = account["id"]
        open_invoices = _records(connection, InvoiceRepository, OPEN_INVOICES, account_id)
        today = datetime.now(timezone.utc).date()
        return json_safe({
            "account": account,
            "contacts": _records(connection, ContactRepository, CONTACTS, account_id),
            "opportunities": {
                "open": _records(connection, OpportunityRepository, OPEN_OPPORTUNITIES, account_id),
                **_closed_opportunities(connection, account_id),
            },
            "quotes": _records(connection, QuoteRepository, QUOTES, account_id),
            "orders": _records(connection, OrderRepository, ORDERS, account_id),
            "invoices": {
                "open": open_invoices,
                "paid_total": _sums_by_currency(connection.execute(PAID_TOTALS, {"account_id": account_id}).all()),
                "overdue": [invoice for invoice in open_invoices if invoice["due_date"] < today],
            },
        })
