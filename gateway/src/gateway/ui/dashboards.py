"""The dashboards' figures: records read through the API, summed here for the charts.
Summing is presentation; what counts as open, won or at risk is the services' word (the
records' status and SLA standing)."""
from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Iterable

from gateway.ui import catalog, charts
from gateway.ui.backend import Backend

PAGE = 500
# Each chart reads at most this many records; the page says so when there were more.
MAX_RECORDS = 5000
STAGES = ("qualify", "develop", "propose", "close")
PRIORITIES = ("urgent", "high", "normal", "low")
SLA_STATES = ("missed", "at_risk", "on_track", "paused", "met")
CAMPAIGNS_SHOWN = 12


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def main_currency(records: Iterable[dict], amount: str) -> str | None:
    """The currency most of the money is in: charts do not add euros to dollars."""
    totals: Counter = Counter()
    for r in records:
        if r.get("currency"):
            totals[r["currency"]] += _decimal(r.get(amount))
    return totals.most_common(1)[0][0] if totals else None


def pipeline_by_stage(open_opportunities: list[dict]) -> tuple[charts.Chart, str | None]:
    currency = main_currency(open_opportunities, "estimated_value")
    sums = defaultdict(Decimal)
    for o in open_opportunities:
        if o.get("currency") == currency:
            sums[o.get("stage") or "qualify"] += _decimal(o.get("estimated_value"))
    chart = charts.bars(f"Open pipeline by stage ({currency or 'no amounts'})",
                        [(stage, sums[stage]) for stage in STAGES])
    return chart, currency


def won_revenue_by_month(won: list[dict], today: date, months: int = 12) -> tuple[charts.Chart, str | None]:
    currency = main_currency(won, "actual_revenue")
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    sums = defaultdict(Decimal)
    for o in won:
        closed = str(o.get("actual_close_date") or o.get("updated_at") or "")[:7]
        if o.get("currency") == currency and closed in keys:
            sums[closed] += _decimal(o.get("actual_revenue"))
    return charts.bars(f"Won revenue by month ({currency or 'none yet'})", [(k, sums[k]) for k in keys]), currency


def open_cases_by_priority(active_cases: list[dict]) -> charts.Chart:
    counts = defaultdict(Counter)
    for c in active_cases:
        state = ((c.get("sla") or {}).get("resolve")) or "on_track"
        counts[c.get("priority") or "normal"][state] += 1
    rows = [(p, [counts[p][s] for s in SLA_STATES]) for p in PRIORITIES]
    return charts.stacked("Open cases by priority and SLA state", rows,
                          series=tuple(s.replace("_", " ") for s in SLA_STATES))


def campaign_roi(campaigns_with_metrics: list[tuple[dict, dict]]) -> charts.Chart:
    rows = [(c.get("name", "")[:18], _decimal(m.get("roi")) * 100) for c, m in campaigns_with_metrics
            if m and m.get("roi") is not None]
    return charts.bars("Campaign ROI (%)", rows, fmt=lambda v: f"{v:,.0f} %")


async def read_all(b: Backend, entity: catalog.Entity, **params) -> tuple[list[dict], bool, str | None]:
    """Every record of a list (up to MAX_RECORDS): (records, cut short?, problem). Read from
    the owning service (the records are summed, never shown one by one)."""
    out: list[dict] = []
    cursor = None
    while True:
        outcome = await entity.source.reader().list(b, {"limit": PAGE, "cursor": cursor, **params})
        if not outcome.ok:
            return out, False, outcome.detail
        out.extend(outcome.items)
        cursor = outcome.body.get("next_cursor")
        if not cursor:
            return out, False, None
        if len(out) >= MAX_RECORDS:
            return out, True, None


async def gather(b: Backend, today: date) -> dict:
    (open_opps, cut1, p1), (won, cut2, p2), (cases, cut3, p3), campaigns = await asyncio.gather(
        read_all(b, catalog.OPPORTUNITIES, status="open"), read_all(b, catalog.OPPORTUNITIES, status="won"),
        read_all(b, catalog.CASES, status="active"), b.get("campaigns", limit=CAMPAIGNS_SHOWN, sort="-created_at"))
    metrics = await asyncio.gather(*(b.get(f"campaigns/{c['id']}/metrics") for c in campaigns.items))
    pipeline, pipeline_currency = pipeline_by_stage(open_opps)
    revenue, revenue_currency = won_revenue_by_month(won, today)
    return {
        "charts": [
            (pipeline, p1, cut1), (revenue, p2, cut2), (open_cases_by_priority(cases), p3, cut3),
            (campaign_roi([(c, m.body) for c, m in zip(campaigns.items, metrics) if m.ok]),
             None if campaigns.ok else campaigns.detail, False)],
        "numbers": {"Open opportunities": len(open_opps), "Won opportunities": len(won), "Open cases": len(cases),
                    "Campaigns shown": len(campaigns.items)},
        "currencies": (pipeline_currency, revenue_currency),
    }
