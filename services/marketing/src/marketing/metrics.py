"""A campaign's metrics, from its own records and from what sales' events told marketing:
targeted, distributed, responses, leads, opportunities, revenue won, cost and ROI."""
from __future__ import annotations

from sqlalchemy import func, select

from crmkit.records import json_safe
from marketing.campaigns import get_campaign
from marketing.db import (campaign_expenses, campaign_opportunities, campaign_recipients,
                          campaign_responses, customer_leads)
from marketing.distribution import campaign_targets
from marketing.domain.campaigns import money, response_rate, roi


def _count(connection, table, *where) -> int:
    return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def campaign_metrics(db, campaign_id: str) -> dict:
    with db.reading() as connection:
        campaign = get_campaign(connection, campaign_id)
        cid = campaign["id"]
        targets = campaign_targets(connection, campaign)
        members_targeted = 0 if targets is None else connection.execute(
            select(func.count()).select_from(targets.subquery())).scalar_one()
        responses = _count(connection, campaign_responses, campaign_responses.c.campaign_id == cid)
        opportunities = campaign_opportunities.c
        won = (opportunities.campaign_id == cid) & (opportunities.status == "won")
        revenue = connection.execute(
            select(opportunities.currency, func.sum(opportunities.actual_revenue))
            .where(won).group_by(opportunities.currency)).all()
        total_cost = money(connection.execute(
            select(func.sum(campaign_expenses.c.amount)).where(campaign_expenses.c.campaign_id == cid)).scalar())
        metrics = {
            "members_targeted": members_targeted,
            "activities_distributed": _count(connection, campaign_recipients,
                                             campaign_recipients.c.campaign_id == cid),
            "responses": responses,
            "leads_generated": _count(connection, customer_leads, customer_leads.c.campaign_id == cid),
            "opportunities_generated": _count(connection, campaign_opportunities, opportunities.campaign_id == cid),
            "opportunities_won": _count(connection, campaign_opportunities, won),
        }
    currency = campaign["currency"]
    # Revenue and cost compare only in one currency: the campaign's. Won revenue in another
    # currency is shown beside, never silently added.
    revenue_won = money(sum((amount for cur, amount in revenue if cur == currency or currency is None), 0))
    other = {cur: money(amount) for cur, amount in revenue if currency is not None and cur != currency}
    return json_safe(metrics | {
        "response_rate": response_rate(responses, members_targeted),
        "expected_response_rate": campaign["expected_response_rate"],
        "revenue_won": revenue_won, "revenue_won_in_other_currencies": other,
        "total_cost": total_cost, "budget": campaign["budget"], "currency": currency,
        "roi": roi(revenue_won, total_cost),
    })
