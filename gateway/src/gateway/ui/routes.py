"""The UI's routes: sign in and out, the generic entity pages of each work area, and the
special pages (My work, dashboards, schedule board, customer 360, quick campaigns)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from gateway import deps
from gateway.ui import catalog, pages, records, render, session
from gateway.ui.backend import Outcome
from gateway.ui.context import Ctx, ui_route
from gateway.ui.forms import Field
from gateway.ui.records import FormState, failed_form

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}
LOGIN_FIELDS = [Field("username", "User name", required=True), Field("password", "Password", required=True)]


@router.get("/ui/static/{name}", include_in_schema=False)
async def static(name: str) -> Response:
    path = STATIC / name
    if path.suffix not in STATIC_TYPES or path.parent != STATIC or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "max-age=300"})


# --- signing in and out ------------------------------------------------------------------------

def _next(target: str) -> str:
    parsed = urlparse(target)
    # Only a path on this site: never an open redirect to another host.
    return target if target.startswith("/") and not target.startswith("//") and not parsed.netloc else "/"


@ui_route(router, "/login", public=True)
async def login_form(ctx: Ctx) -> Response:
    return render.page(ctx.request, "login.html", ctx.viewer, title="Sign in", form=FormState(LOGIN_FIELDS),
                       next=_next(ctx.params.get("next", "/")))


@ui_route(router, "/login", ("POST",), public=True)
async def login(ctx: Ctx) -> Response:
    credentials = {"username": ctx.field("username"), "password": ctx.field("password")}
    outcome = await ctx.backend.post("auth/token", credentials)
    if outcome.ok:
        response = render.redirect(_next(ctx.field("next", "/")))
        session.sign_in(ctx.request, response, outcome.body["access_token"],
                        int(outcome.body.get("expires_in") or deps.settings_of(ctx.request).token_ttl_s))
        return response
    form = failed_form(LOGIN_FIELDS, outcome, {"username": credentials["username"]})
    return render.page(ctx.request, "login.html", None, outcome.status, title="Sign in", form=form,
                       next=_next(ctx.field("next", "/")))


@ui_route(router, "/logout", ("POST",))
async def logout(ctx: Ctx) -> Response:
    response = render.redirect("/login", "Signed out")
    session.sign_out(response)
    return response


# --- special pages ---------------------------------------------------------------------------

ui_route(router, "/")(pages.home)
ui_route(router, "/my-work")(pages.my_work)
ui_route(router, "/my-work/queue-items")(pages.my_queue_items)
ui_route(router, "/dashboards")(pages.dashboards_page)
ui_route(router, "/scheduling/board")(pages.schedule_board)
ui_route(router, "/customers/{account_id}")(pages.customer)
ui_route(router, "/marketing/quick-campaigns")(pages.quick_campaign_form)
ui_route(router, "/marketing/quick-campaigns", ("POST",))(pages.quick_campaign)
ui_route(router, "/marketing/responses")(pages.responses)


# --- every entity's pages --------------------------------------------------------------------

def _entity(ctx: Ctx, area: str, slug: str) -> catalog.Entity | Response:
    entity = catalog.entity_for_url(area, slug)
    if entity is None:
        return records.error_page(ctx, Outcome(404, {"detail": f"There is no {slug} page in {area}."}), area)
    return entity


def _entity_routes(area: str) -> None:
    base = f"/{area}/{{slug}}"

    def entity_page(name, method="GET", suffix="", needs=None):
        async def handler(ctx: Ctx, slug: str, **path) -> Response:
            entity = _entity(ctx, area, slug)
            if isinstance(entity, Response):
                return entity
            if needs and not getattr(entity, needs):
                return records.error_page(ctx, Outcome(404, {"detail": "Not available for this record type."}),
                                          area)
            return await getattr(records, name)(ctx, entity, **path)
        handler.__name__ = f"{area.replace('-', '_')}_{name}"
        ui_route(router, base + suffix, (method,))(handler)

    entity_page("list_page")
    entity_page("save_view", "POST", "/views")
    entity_page("new_form", suffix="/new", needs="create_fields")
    entity_page("create", "POST", "/new", needs="create_fields")
    entity_page("record_page", suffix="/{record_id}")
    entity_page("edit_form", suffix="/{record_id}/edit", needs="edit_fields")
    entity_page("update", "POST", "/{record_id}/edit", needs="edit_fields")
    entity_page("delete", "POST", "/{record_id}/delete")
    entity_page("act", "POST", "/{record_id}/actions/{name}")
    entity_page("add_child", "POST", "/{record_id}/children/{key}")
    entity_page("row_action", "POST", "/{record_id}/children/{key}/{row_id}/{index}")
    entity_page("add_to_timeline", "POST", "/{record_id}/timeline", needs="regarding")


for _area in ("sales", "marketing", "service", "scheduling", "my-work"):
    _entity_routes(_area)
