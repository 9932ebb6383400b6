"""What every page handler gets, and the wrapper that signs the user in, checks CSRF on
posts and closes the page's backend client."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Awaitable, Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.ui import render, session
from gateway.ui.backend import Backend
from gateway.ui.forms import parse_urlencoded


@dataclass
class Ctx:
    request: Request
    viewer: session.Viewer | None
    backend: Backend
    form: dict[str, list[str]]

    @property
    def params(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name) or []
        return values[-1].strip() if values else default


Handler = Callable[..., Awaitable[Response]]


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def ui_route(router: APIRouter, path: str, methods: tuple[str, ...] = ("GET",), public: bool = False):
    """Register a page. Posts must carry the CSRF token (403 otherwise); pages other than
    `public` ones send a signed-out visitor to the login page."""

    def decorate(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            response = await serve(request)
            # The page's own time in the server (what bench/ui_pages.py reads), for browsers'
            # developer tools too.
            response.headers["Server-Timing"] = f"page;dur={(time.perf_counter() - started) * 1000:.1f}"
            return response

        async def serve(request: Request) -> Response:
            viewer = await session.viewer(request)
            if viewer is None and not public:
                return login_redirect(request)
            form: dict[str, list[str]] = {}
            if request.method == "POST":
                form = parse_urlencoded(await request.body())
                if not session.csrf_ok(request, (form.get(session.CSRF_FIELD) or [""])[-1]):
                    return render.page(request, "error.html", viewer, 403, title="Form expired",
                                       message="The form was not sent from this site or has expired. "
                                               "Go back, reload the page and try again.")
            backend = Backend(request, viewer.token if viewer else None, viewer.user if viewer else None)
            try:
                return await handler(Ctx(request, viewer, backend, form), **request.path_params)
            finally:
                await backend.close()

        # Not functools.wraps: FastAPI would read the handler's parameters as query ones.
        endpoint.__name__ = f"ui_{handler.__name__}"
        router.add_api_route(path, endpoint, methods=list(methods), include_in_schema=False,
                             response_class=HTMLResponse)
        return handler

    return decorate
