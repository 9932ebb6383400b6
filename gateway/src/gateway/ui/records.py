"""The pages every entity has: list (filters, search, sort, paging, saved views), form
(create, edit), record (details, actions, related records, child collections, activity
timeline), and the posts behind their buttons."""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi.responses import Response

from gateway.ui import catalog, labels, render, saved_views
from gateway.ui.backend import Outcome
from gateway.ui.catalog import Entity
from gateway.ui.context import Ctx
from gateway.ui.forms import REFERENCES, Field, display_value, errors_by_field, read, value_at

PAGE_SIZE = 25
RELATED_LIMIT = 10
TIMELINE_LIMIT = 20
UI_PARAMS = ("view",)
TIMELINE_TYPES = ("phone_call", "email", "task", "appointment", "letter", "fax")
# Record fields the details list leaves out (shown elsewhere on the page or not for people).
HIDDEN = {"id", "version", "lines", "exceptions"}


class FormState:
    """One form on a page: its fields, the values to show, and the API's errors split by field."""

    def __init__(self, fields, values: dict | None = None, errors: list[dict] = (), raw: dict | None = None,
                 detail: str | None = None, status: int = 422):
        self.fields = list(fields)
        self.status = status
        self.by_field, self.other = errors_by_field(errors, self.fields)
        self.detail = detail
        self.values = {f.name: (raw[f.name] if raw and f.name in raw else
                                display_value(f, value_at(values, f.name) if values is not None else f.default))
                       for f in self.fields}

    @property
    def failed(self) -> bool:
        return bool(self.detail or self.by_field or self.other)


def failed_form(fields, outcome: Outcome, raw: dict, local_errors: list[dict] = ()) -> FormState:
    errors = [*local_errors, *outcome.errors]
    return FormState(fields, errors=errors, raw=raw, detail=outcome.detail if not outcome.ok else None,
                     status=outcome.status if not outcome.ok else 422)


def safe_back(url: str) -> str | None:
    """Only a path on this site (never //elsewhere)."""
    return url if url.startswith("/") and not url.startswith("//") else None


# --- list ------------------------------------------------------------------------------------

async def list_page(ctx: Ctx, entity: Entity, status: int = 200) -> Response:
    params = {k: v for k, v in ctx.params.items() if k not in UI_PARAMS}
    api_params = {"limit": PAGE_SIZE, **entity.extra_params, **params}
    outcome = await entity.source.list(ctx.backend, api_params)
    rows = outcome.items
    refs = [(c.ref, value_at(r, c.field)) for r in rows for c in entity.columns if c.kind == "ref"]
    names = await labels.names(ctx.backend, refs)
    views = saved_views.load(ctx.request.cookies.get(saved_views.COOKIE)).get(entity.key, [])
    filter_names = {f.name for f in entity.filters}
    # Filters that came by a link (an account's contacts): shown, removable, not editable.
    fixed = {k: v for k, v in params.items() if k not in filter_names and k not in ("q", "sort", "cursor", "limit")}
    fixed_names = await labels.names(ctx.backend, [(REFERENCES.get(k), v) for k, v in fixed.items()])
    return render.page(
        ctx.request, "list.html", ctx.viewer, status if outcome.ok else max(status, outcome.status),
        area=entity.area, title=entity.title, entity=entity, rows=rows, names=names, outcome=outcome,
        params=params, next_cursor=(outcome.body or {}).get("next_cursor") if outcome.ok else None,
        views=views, remembered=saved_views.remembered_query(params), fixed=fixed, fixed_names=fixed_names)


async def save_view(ctx: Ctx, entity: Entity) -> Response:
    views = saved_views.load(ctx.request.cookies.get(saved_views.COOKIE))
    name = ctx.field("name")
    if ctx.field("remove"):
        views, message = saved_views.remove(views, entity.key, ctx.field("remove")), "View removed"
    elif name:
        views, message = saved_views.save(views, entity.key, name, ctx.field("query")), f"View “{name}” saved"
    else:
        return render.redirect(entity.url + "?" + ctx.field("query"), "A view needs a name.", failed=True)
    response = render.redirect(entity.url + "?" + ctx.field("query"), message)
    response.set_cookie(saved_views.COOKIE, saved_views.dump(views), max_age=365 * 86400, httponly=True,
                        samesite="lax", path="/")
    return response


# --- forms -----------------------------------------------------------------------------------

async def form_page(ctx: Ctx, entity: Entity, record: dict | None, form: FormState, status: int = 200) -> Response:
    options = await labels.options(ctx.backend, form.fields)
    await _include_selected(ctx, form, options)
    verb = "Edit" if record else "New"
    return render.page(ctx.request, "form.html", ctx.viewer, status, area=entity.area,
                       title=f"{verb} {entity.singular.lower()}", entity=entity, record=record, form=form,
                       options=options)


async def _include_selected(ctx: Ctx, form: FormState, options: dict) -> None:
    """A chosen record beyond the first choices still shows by name."""
    missing = []
    for f in form.fields:
        if f.kind == "ref" and f.ref in options:
            chosen = form.values.get(f.name)
            for value in (chosen if isinstance(chosen, list) else [chosen]):
                if value and all(value != o[0] for o in options[f.ref]):
                    missing.append((f.ref, value))
    for (ref, record_id), label in (await labels.names(ctx.backend, missing)).items():
        options[ref].append((record_id, label))


async def new_form(ctx: Ctx, entity: Entity) -> Response:
    # Links such as "New contact" on an account page prefill the reference.
    prefill: dict[str, Any] = {}
    for f in entity.create_fields:
        if f.name in ctx.params:
            prefill[f.name] = [ctx.params[f.name]] if f.multiple else ctx.params[f.name]
    return await form_page(ctx, entity, None, FormState(entity.create_fields, raw=prefill))


async def create(ctx: Ctx, entity: Entity) -> Response:
    sub = read(entity.create_fields, ctx.form)
    if sub.errors:
        return await form_page(ctx, entity, None, FormState(entity.create_fields, errors=sub.errors, raw=sub.raw), 422)
    outcome = await entity.source.create(ctx.backend, sub.body)
    if outcome.ok:
        return render.redirect(entity.record_url(outcome.body["id"]), f"{entity.singular} created")
    return await form_page(ctx, entity, None, failed_form(entity.create_fields, outcome, sub.raw), outcome.status)


async def edit_form(ctx: Ctx, entity: Entity, record_id: str) -> Response:
    outcome = await entity.source.get(ctx.backend, record_id)
    if not outcome.ok:
        return error_page(ctx, outcome, entity.area)
    return await form_page(ctx, entity, outcome.body, FormState(entity.edit_fields, outcome.body))


async def update(ctx: Ctx, entity: Entity, record_id: str) -> Response:
    current = await entity.source.get(ctx.backend, record_id)
    if not current.ok:
        return error_page(ctx, current, entity.area)
    sub = read(entity.edit_fields, ctx.form, original=current.body)
    if sub.errors:
        return await form_page(ctx, entity, current.body, FormState(entity.edit_fields, errors=sub.errors,
                                                                     raw=sub.raw), 422)
    if not sub.body:
        return render.redirect(entity.record_url(record_id), "Nothing changed")
    # The version the form was read at: someone else's change in between gives 412.
    version = ctx.field("version")
    outcome = await entity.source.update(ctx.backend, record_id, sub.body, int(version) if version.isdigit() else None)
    if outcome.ok:
        return render.redirect(entity.record_url(record_id), f"{entity.singular} saved")
    return await form_page(ctx, entity, current.body, failed_form(entity.edit_fields, outcome, sub.raw), outcome.status)


async def delete(ctx: Ctx, entity: Entity, record_id: str) -> Response:
    outcome = await entity.source.delete(ctx.backend, record_id)
    if outcome.ok:
        return render.redirect(entity.url, f"{entity.singular} deleted")
    return await record_page(ctx, entity, record_id, problem=outcome)


# --- record ----------------------------------------------------------------------------------

def error_page(ctx: Ctx, outcome: Outcome, area: str | None = None) -> Response:
    return render.page(ctx.request, "error.html", ctx.viewer, outcome.status if outcome.status >= 400 else 502,
                       area=area, title="Not available" if outcome.status != 404 else "Not found",
                       message=outcome.detail)


async def _children(ctx: Ctx, entity: Entity, record: dict) -> list[tuple[catalog.Child, Outcome]]:
    async def rows(child: catalog.Child) -> Outcome:
        if child.list_path is None:
            return Outcome(200, {"items": record.get(child.from_record or child.key) or []})
        return await ctx.backend.get(child.list_path.format(parent=record["id"]))
    return list(zip(entity.children, await asyncio.gather(*(rows(c) for c in entity.children))))


async def _related(ctx: Ctx, entity: Entity, record_id: str) -> list[tuple[Entity, str, Outcome]]:
    async def rows(related: catalog.Related) -> Outcome:
        target = catalog.ENTITIES[related.entity]
        return await target.source.list(ctx.backend, {related.filter: record_id, "limit": RELATED_LIMIT})
    outcomes = await asyncio.gather(*(rows(r) for r in entity.related))
    return [(catalog.ENTITIES[r.entity], r.filter, o) for r, o in zip(entity.related, outcomes)]


async def _timeline(ctx: Ctx, entity: Entity, record_id: str) -> Outcome | None:
    if not entity.regarding:
        return None
    return await ctx.backend.get("activities", regarding_type=entity.regarding, regarding_id=record_id,
                                 limit=TIMELINE_LIMIT)


async def _figures(ctx: Ctx, entity: Entity, record_id: str) -> Outcome | None:
    return await ctx.backend.get(entity.figures.format(id=record_id)) if entity.figures else None


def timeline_fields() -> list[Field]:
    return [Field("type", "Type", "select", required=True, options=TIMELINE_TYPES),
            Field("subject", "Subject", required=True), Field("due_at", "Due (UTC)", "datetime"),
            Field("description", "Notes", "textarea")]


async def record_page(ctx: Ctx, entity: Entity, record_id: str, *, problem: Outcome | None = None,
                      forms: dict[str, FormState] | None = None) -> Response:
    outcome = await entity.source.get(ctx.backend, record_id)
    if not outcome.ok:
        return error_page(ctx, outcome, entity.area)
    record = outcome.body
    children, related, timeline, figures = await asyncio.gather(
        _children(ctx, entity, record), _related(ctx, entity, record_id), _timeline(ctx, entity, record_id),
        _figures(ctx, entity, record_id))
    forms = dict(forms or {})
    for action in entity.actions:
        forms.setdefault(f"action:{action.name}", FormState(action.fields))
    for child in entity.children:
        forms.setdefault(f"child:{child.key}", FormState(child.create_fields))
        for n, row_action in enumerate(child.row_actions):
            forms.setdefault(f"row:{child.key}:{n}", FormState(row_action.fields))
    if timeline is not None:
        forms.setdefault("timeline", FormState(timeline_fields()))
    all_fields = [f for form in forms.values() for f in form.fields]
    refs = [(REFERENCES.get(k), v) for k, v in record.items() if k in REFERENCES and isinstance(v, str)]
    refs += [(c.ref, value_at(row, c.field)) for child, rows in children for row in rows.items
             for c in child.columns if c.kind == "ref"]
    options, names = await asyncio.gather(labels.options(ctx.backend, all_fields), labels.names(ctx.backend, refs))
    # A failed action or form shows its problem on the page with the API's status.
    status = problem.status if problem else next((f.status for f in forms.values() if f.failed), 200)
    return render.page(
        ctx.request, "record.html", ctx.viewer, status, area=entity.area,
        title=entity.title_of(record), entity=entity, record=record, details=details(record, entity),
        children=children, related=related, timeline=timeline, figures=figures, forms=forms, options=options, names=names,
        problem=problem)


def details(record: dict, entity: Entity) -> list[tuple[str, str, Any]]:
    """(label, key, value) of the record's own fields, in the order the service sends them."""
    skip = HIDDEN | {c.from_record for c in entity.children if c.from_record}
    return [(k.replace("_", " ").capitalize().removesuffix(" id"), k, v) for k, v in record.items()
            if k not in skip and v not in (None, "", [], {})]


async def act(ctx: Ctx, entity: Entity, record_id: str, name: str) -> Response:
    action = next((a for a in entity.actions if a.name == name), None)
    if action is None:
        return error_page(ctx, Outcome(404, {"detail": f"No action {name} on {entity.title.lower()}"}), entity.area)
    sub = read(list(action.fields), ctx.form)
    outcome = Outcome(422, {"detail": "Some fields are not valid.", "errors": sub.errors}) if sub.errors else \
        await entity.source.action(ctx.backend, record_id, action.name, sub.body)
    if outcome.ok:
        return render.redirect(_after(ctx, outcome, action.goto) or entity.record_url(record_id), f"{action.label}: done")
    form = failed_form(action.fields, outcome, sub.raw)
    elsewhere = _failed_elsewhere(ctx, entity.record_url(record_id), action.label, outcome)
    if elsewhere:
        return elsewhere
    return await record_page(ctx, entity, record_id, problem=outcome if not form.fields else None,
                             forms={f"action:{action.name}": form})


def _failed_elsewhere(ctx: Ctx, here: str, label: str, outcome: Outcome) -> Response | None:
    """Posted from another page (a timeline, My work, the responses list): say what went
    wrong over there rather than on this record's page."""
    back = safe_back(ctx.field("back"))
    if not back or back.split("#")[0] == here:
        return None
    return render.redirect(back, f"{label} failed: {outcome.detail} "
                           + " ".join(f"{e.get('field')}: {e.get('message')}" for e in outcome.errors), failed=True)


def _after(ctx: Ctx, outcome: Outcome, goto: tuple[str, str] | None) -> str | None:
    if goto:
        key, entity_key = goto
        target = outcome.body.get(key) if isinstance(outcome.body, dict) else None
        if target:
            return catalog.ENTITIES[entity_key].record_url(target)
    return safe_back(ctx.field("back"))


async def add_child(ctx: Ctx, entity: Entity, record_id: str, key: str) -> Response:
    child = next((c for c in entity.children if c.key == key and c.create_path), None)
    if child is None:
        return error_page(ctx, Outcome(404, {"detail": f"Nothing to add as {key}"}), entity.area)
    sub = read(list(child.create_fields), ctx.form)
    outcome = Outcome(422, {"detail": "Some fields are not valid.", "errors": sub.errors}) if sub.errors else \
        await ctx.backend.post(child.create_path.format(parent=record_id), sub.body)
    if outcome.ok:
        return render.redirect(entity.record_url(record_id) + f"#{child.key}", f"{child.create_label}: done")
    return await record_page(ctx, entity, record_id,
                             forms={f"child:{child.key}": failed_form(child.create_fields, outcome, sub.raw)})


async def row_action(ctx: Ctx, entity: Entity, record_id: str, key: str, row_id: str, index: str) -> Response:
    child = next((c for c in entity.children if c.key == key), None)
    if child is None or not index.isdigit() or int(index) >= len(child.row_actions):
        return error_page(ctx, Outcome(404, {"detail": "No such action"}), entity.area)
    action = child.row_actions[int(index)]
    sub = read(list(action.fields), ctx.form)
    outcome = await ctx.backend.post(action.path.format(parent=record_id, row=row_id), sub.body)
    if outcome.ok:
        target = _after(ctx, outcome, action.goto)
        return render.redirect(target or entity.record_url(record_id) + f"#{child.key}", f"{action.label}: done")
    elsewhere = _failed_elsewhere(ctx, entity.record_url(record_id), action.label, outcome)
    if elsewhere:
        return elsewhere
    return await record_page(ctx, entity, record_id, problem=outcome if not action.fields else None,
                             forms={f"row:{child.key}:{index}": failed_form(action.fields, outcome, sub.raw)})


async def add_to_timeline(ctx: Ctx, entity: Entity, record_id: str) -> Response:
    fields = timeline_fields()
    sub = read(fields, ctx.form)
    outcome = Outcome(422, {"detail": "Some fields are not valid.", "errors": sub.errors}) if sub.errors else \
        await ctx.backend.post("activities", sub.body | {"regarding": {"type": entity.regarding, "id": record_id}})
    if outcome.ok:
        return render.redirect(entity.record_url(record_id) + "#timeline", "Activity added")
    return await record_page(ctx, entity, record_id, forms={"timeline": failed_form(fields, outcome, sub.raw)})
