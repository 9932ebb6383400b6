"""Jinja2 templates and the small formatting filters the pages share."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from gateway.ui import catalog, session
from gateway.ui.forms import REFERENCES

HERE = Path(__file__).parent
FLASH_COOKIE = "crm_flash"
FAILED = "!"  # a flash message starting so reports a failure
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Activities' "regarding" types -> the entity whose record page shows it.
REGARDING_ENTITIES = {"account": "accounts", "contact": "contacts", "lead": "leads", "opportunity": "opportunities",
                      "quote": "quotes", "order": "orders", "invoice": "invoices", "case": "cases",
                      "campaign": "campaigns", "contract": "contracts", "booking": "bookings"}


def money(value: Any, currency: str | None = None) -> str:
    if value in (None, ""):
        return ""
    try:
        text = f"{Decimal(str(value)):,}"  # exact: no float on the way
    except InvalidOperation:
        text = str(value)
    return f"{text} {currency}" if currency else text


def when(value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    text = str(value)
    if _ISO_TIME.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.utcoffset() is not None
                                                         and not moment.utcoffset() else "")
        except ValueError:
            return text
    return text


def minutes(value: Any) -> str:
    if value in (None, ""):
        return ""
    total = int(value)
    return f"{total // 60} h {total % 60:02d} min" if total >= 60 else f"{total} min"


def record_url(entity_key: str | None, record_id: Any) -> str | None:
    entity = catalog.ENTITIES.get(entity_key or "")
    return entity.record_url(record_id) if entity and record_id else None


def regarding_url(ref: Any) -> str | None:
    if not isinstance(ref, dict):
        return None
    return record_url(REGARDING_ENTITIES.get(str(ref.get("type"))), ref.get("id"))


def value_at(record: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def plain(value: Any) -> str:
    """Any other value, readable: lists joined, objects as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return when(value)


def query(params: dict, **changes) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE / "templates")),
    autoescape=jinja2.select_autoescape(("html",)),
    trim_blocks=True, lstrip_blocks=True,  # missing keys render empty: records vary by state
)
_env.filters.update(money=money, when=when, minutes=minutes, plain=plain)
_env.globals.update(AREAS=catalog.AREAS, ENTITIES=catalog.ENTITIES, REFERENCES=REFERENCES,
                    record_url=record_url, regarding_url=regarding_url, value_at=value_at, query=query,
                    CSRF_FIELD=session.CSRF_FIELD)


def page(request: Request, template: str, viewer: session.Viewer | None, status: int = 200, *,
         area: str | None = None, title: str = "", **context) -> HTMLResponse:
    flash = unquote(request.cookies.get(FLASH_COOKIE, "")) or None
    failed = bool(flash and flash.startswith(FAILED))
    html = _env.get_template(template).render(
        request=request, viewer=viewer, area=area, title=title, flash=flash and flash.removeprefix(FAILED),
        flash_failed=failed,
        csrf=session.csrf_token(request), path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    session.keep_nonce(request, response)
    return response


def redirect(url: str, flash: str | None = None, failed: bool = False) -> RedirectResponse:
    """After a post: see the result (303, so a reload does not post again), with a message
    for the next page; `failed` shows it as a problem."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        flash = (FAILED if failed else "") + flash
        # Quoted: a cookie carries latin-1 only, messages carry any text (names, “quotes”).
        response.set_cookie(FLASH_COOKIE, quote(flash[:300]), max_age=60, httponly=True, samesite="lax", path="/")
    return response
