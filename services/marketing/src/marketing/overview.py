"""The marketing section of the customer 360 view: every campaign that touched an account or
one of its contacts, by distribution, response or a lead qualified into the account."""
from __future__ import annotations

from sqlalchemy import bindparam, func, literal, or_, select, union_all

from crmkit.records import json_safe, valid_id
from marketing.db import (campaign_opportunities, campaign_recipients, campaign_responses,
                          campaigns, customer_contacts, customer_leads)


def customer_overview(db, account_id: str) -> dict:
    account_id = valid_id(account_id, "account")
    with db.reading() as connection:
        values = {"account_id": account_id}
        values["contact_ids"] = list(connection.execute(CONTACTS_OF_ACCOUNT, values).scalars())
        values["member_ids"] = [account_id, *values["contact_ids"]]
        rows = connection.execute(CAMPAIGNS_TOUCHING, values).mappings().all()
    return {"account_id": account_id, "campaigns": json_safe([dict(row) for row in rows])}


def _campaigns_touching():
    """Every campaign that touched the account or its contacts, with how (counts per kind),
    the revenue won from it and when it last did. The contacts' ids go in as values, not a
    subquery: `member_id = x OR member_id IN (subquery)` makes PostgreSQL scan every
    recipient; with values it takes the member_id index."""
    recipients, responses, leads = campaign_recipients.c, campaign_responses.c, customer_leads.c
    account_id = bindparam("account_id")
    contacts = bindparam("contact_ids", expanding=True)
    touches = union_all(
        select(recipients.campaign_id, literal("activity").label("kind"),
               recipients.distributed_at.label("at"))
        .where(recipients.member_id.in_(bindparam("member_ids", expanding=True))),
        select(responses.campaign_id, literal("response"), responses.received_at)
        .where(or_(responses.account_id == account_id, responses.contact_id.in_(contacts))),
        select(leads.campaign_id, literal("lead"), leads.status_at)
        .where(leads.campaign_id.is_not(None),
               or_(leads.account_id == account_id, leads.contact_id.in_(contacts))),
    ).subquery()
    per_kind = {kind: func.count().filter(touches.c.kind == kind).label(label)
                for kind, label in (("activity", "activities"), ("response", "responses"), ("lead", "leads"))}
    opportunities = campaign_opportunities.c
    won = (select(func.coalesce(func.sum(opportunities.actual_revenue), 0))
           .where(opportunities.campaign_id == campaigns.c.id, opportunities.account_id == account_id,
                  opportunities.status == "won").scalar_subquery())
    return (select(campaigns.c.id.label("campaign_id"), campaigns.c.name, campaigns.c.type,
                   campaigns.c.status, campaigns.c.currency, *per_kind.values(),
                   won.label("revenue_won"), func.max(touches.c.at).label("last_touched_at"))
            .join(touches, touches.c.campaign_id == campaigns.c.id)
            .group_by(campaigns.c.id)
            .order_by(func.max(touches.c.at).desc(), campaigns.c.id))


# Built once, with the account and its contacts as bound parameters: building the statements on
# every view cost more CPU than running them.
CONTACTS_OF_ACCOUNT = (select(customer_contacts.c.contact_id)
                       .where(customer_contacts.c.account_id == bindparam("account_id")))
CAMPAIGNS_TOUCHING = _campaigns_touching()
