"""Pages that are not one entity's list or record: home, My work, dashboards, the schedule
board, the customer 360 view, quick campaigns and the responses of a campaign."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

from fastapi.responses import Response

from gateway.models.quick_campaigns import QuickCampaignCreate
from gateway.ui import catalog, dashboards, labels, render
from gateway.ui.backend import Outcome
from gateway.ui.context import Ctx
from gateway.ui.forms import model_fields, read
from gateway.ui.records import FormState, error_page, failed_form

BOARD_DAYS = 7
BOARD_RESOURCES = 100
BOOKING_PAGES = 10
QUICK_FIELDS = model_fields(QuickCampaignCreate)


async def home(ctx: Ctx) -> Response:
    work = await ctx.backend.get("activities/my-work", limit=5)
    return render.page(ctx.request, "home.html", ctx.viewer, title="Home", work=work)


async def my_work(ctx: Ctx) -> Response:
    view = ctx.params.get("view", "open")
    outcome = await ctx.backend.get("activities/my-work", view=view, limit=50, cursor=ctx.params.get("cursor"))
    return render.page(ctx.request, "my_work.html", ctx.viewer, area="my-work", title="My open activities",
                       outcome=outcome, view=view, complete=catalog.ACTIVITIES.actions[0],
                       params=ctx.params)


async def my_queue_items(ctx: Ctx) -> Response:
    """Items I hold, across the queues (each queue's items filtered by worker)."""
    queues = await ctx.backend.get("queues", limit=100)
    held = await asyncio.gather(*(ctx.backend.get(f"queues/{q['id']}/items", worker_id=ctx.viewer.user_id, limit=100)
                                  for q in queues.items))
    rows = [(q, item) for q, outcome in zip(queues.items, held) for item in outcome.items]
    problems = [o.detail for o in held if not o.ok] + ([] if queues.ok else [queues.detail])
    return render.page(ctx.request, "my_queue_items.html", ctx.viewer, area="my-work", title="My queue items",
                       rows=rows, problems=problems, queues=queues.items, actions=catalog.QUEUE_ITEM_ACTIONS,
                       options={"queues": [(str(q["id"]), q["name"]) for q in queues.items]})


async def dashboards_page(ctx: Ctx) -> Response:
    data = await dashboards_data(ctx)
    return render.page(ctx.request, "dashboards.html", ctx.viewer, area="dashboards", title="Dashboards", **data)


async def dashboards_data(ctx: Ctx) -> dict:
    return await dashboards.gather(ctx.backend, datetime.now(timezone.utc).date())


def _start_day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else datetime.now(timezone.utc).date()
    except ValueError:
        return datetime.now(timezone.utc).date()


async def schedule_board(ctx: Ctx) -> Response:
    """Resources by day with their bookings, a week from ?start (UTC days)."""
    first = _start_day(ctx.params.get("start"))
    days = [first + timedelta(days=n) for n in range(BOARD_DAYS)]
    end = (first + timedelta(days=BOARD_DAYS)).isoformat()
    resources_src, bookings_src = catalog.RESOURCES.source, catalog.BOOKINGS.source
    resources, (bookings, problem) = await asyncio.gather(
        resources_src.list(ctx.backend, {"limit": BOARD_RESOURCES, "sort": "name"}),
        _bookings_until(ctx, bookings_src, end))
    cells: dict[tuple[str, str], list[dict]] = {}
    for booking in bookings:
        day = str(booking.get("start", ""))[:10]
        if first.isoformat() <= day < end:
            for resource_id in booking.get("resource_ids") or []:
                cells.setdefault((str(resource_id), day), []).append(booking)
    return render.page(ctx.request, "board.html", ctx.viewer, area="scheduling", title="Schedule board",
                       resources=resources, days=days, cells=cells, problem=problem,
                       previous=(first - timedelta(days=BOARD_DAYS)).isoformat(), next=end)


async def _bookings_until(ctx: Ctx, source, end: str) -> tuple[list[dict], str | None]:
    """Booked sessions in start order up to `end` (the scheduler lists them by start)."""
    out, cursor = [], None
    for _ in range(BOOKING_PAGES):
        outcome = await source.list(ctx.backend, {"status": "booked", "sort": "start", "limit": 500, "cursor": cursor})
        if not outcome.ok:
            return out, outcome.detail
        out.extend(outcome.items)
        cursor = outcome.body.get("next_cursor")
        if not cursor or (out and str(out[-1].get("start", "")) >= end):
            break
    return out, None


async def customer(ctx: Ctx, account_id: str) -> Response:
    """The customer 360: the API's view, a section whose service did not answer marked
    unavailable by the API."""
    outcome = await ctx.backend.get(f"customers/{account_id}")
    if not outcome.ok:
        return error_page(ctx, outcome)
    view = outcome.body
    # Without sales the account itself is among the unavailable sections.
    view["account"] = view.get("account") or {"id": account_id, "name": "Customer (account unavailable)"}
    return render.page(ctx.request, "customer.html", ctx.viewer, area="sales", title=view["account"]["name"],
                       view=view)


async def quick_campaign_form(ctx: Ctx, form: FormState | None = None, status: int = 200) -> Response:
    form = form or FormState(QUICK_FIELDS)
    options = await labels.options(ctx.backend, form.fields)
    return render.page(ctx.request, "quick_campaign.html", ctx.viewer, status, area="marketing",
                       title="Quick campaign", form=form, options=options)


async def quick_campaign(ctx: Ctx) -> Response:
    sub = read(QUICK_FIELDS, ctx.form)
    outcome = Outcome(422, {"detail": "Some fields are not valid.", "errors": sub.errors}) if sub.errors else \
        await ctx.backend.post("quick-campaigns", sub.body)
    if outcome.ok:
        created = outcome.body
        return render.redirect(catalog.CAMPAIGNS.record_url(created["campaign"]["id"]),
                               f"Quick campaign distributed: {created.get('distributed', 0)} activities")
    return await quick_campaign_form(ctx, failed_form(QUICK_FIELDS, outcome, sub.raw), outcome.status)


async def responses(ctx: Ctx) -> Response:
    """A campaign's responses (the API lists them per campaign)."""
    campaigns = await ctx.backend.get("campaigns", limit=200, sort="name")
    chosen = ctx.params.get("campaign_id") or (str(campaigns.items[0]["id"]) if campaigns.items else "")
    listed = await ctx.backend.get(f"campaigns/{chosen}/responses", status=ctx.params.get("status"), limit=100) \
        if chosen else Outcome(200, {"items": []})
    child = next(c for c in catalog.CAMPAIGNS.children if c.key == "responses")
    names = await labels.names(ctx.backend, [("leads", r.get("converted_lead_id")) for r in listed.items])
    return render.page(ctx.request, "responses.html", ctx.viewer, area="marketing", title="Campaign responses",
                       campaigns=campaigns.items, chosen=chosen, listed=listed, child=child, names=names,
                       params=ctx.params)
