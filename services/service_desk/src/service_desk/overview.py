"""The service desk's sections of the customer 360 view."""
from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, func, or_, select

from crmkit.records import json_safe, valid_id
from service_desk.db import cases, contracts, customer_contacts
from service_desk.domain.contracts import effective_status

OPEN_CASES_SHOWN = 50

# Built once, with the account and its contacts as bound parameters: building the statements on
# every view cost more CPU than running them. The contacts' ids go in as values, not a
# subquery: `x OR contact IN (subquery)` makes PostgreSQL scan every case; with values it
# combines the two indexes.
CONTACTS_OF_ACCOUNT = (select(customer_contacts.c.contact_id)
                       .where(customer_contacts.c.account_id == bindparam("account_id")))
_OF_CUSTOMER = or_(cases.c.customer_account_id == bindparam("account_id"),
                   cases.c.customer_contact_id.in_(bindparam("contact_ids", expanding=True)))
CASE_TOTALS = select(
    func.count().filter(cases.c.status == "active").label("open_count"),
    func.count().filter(cases.c.status == "resolved").label("resolved_count"),
    func.coalesce(func.sum(cases.c.time_spent_minutes), 0).label("time_spent_minutes"),
).where(_OF_CUSTOMER)
OPEN_CASES = (select(cases.c.id, cases.c.title, cases.c.priority, cases.c.stage, cases.c.status_reason,
                     cases.c.customer_contact_id, cases.c.resolve_by, cases.c.created_at)
              .where(_OF_CUSTOMER, cases.c.status == "active")
              .order_by(cases.c.created_at.desc(), cases.c.id).limit(OPEN_CASES_SHOWN))
CONTRACTS = (select(contracts.c.id, contracts.c.name, contracts.c.status, contracts.c.start_date, contracts.c.end_date,
                    contracts.c.allotment_type, contracts.c.total_allotment, contracts.c.remaining_allotment)
             .where(contracts.c.customer_account_id == bindparam("account_id"))
             .order_by(contracts.c.end_date.desc(), contracts.c.id))


def customer_overview(connection, account_id: str, today: date) -> dict:
    """Cases of the account and of its contacts: the open ones, how many were resolved and the
    time spent on all of them; its contracts with what is left of their allotments."""
    account_id = valid_id(account_id, "account")
    values = {"account_id": account_id}
    values["contact_ids"] = list(connection.execute(CONTACTS_OF_ACCOUNT, values).scalars())
    totals = connection.execute(CASE_TOTALS, values).mappings().one()
    open_cases = connection.execute(OPEN_CASES, values).mappings().all()
    contract_rows = connection.execute(CONTRACTS, values).mappings().all()
    return json_safe({
        "account_id": account_id,
        "cases": {"open": [dict(row) for row in open_cases], "open_count": totals["open_count"],
                  "resolved_count": totals["resolved_count"], "time_spent_minutes": totals["time_spent_minutes"]},
        "contracts": [dict(row) | {"status": effective_status(dict(row), today)} for row in contract_rows],
    })
