"""Every error leaves the gateway as `application/problem+json` (RFC 9457):
`{"type", "title", "status", "detail", "errors": [{"field", "message"}]}`."""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Iterable, Sequence

from crmkit.errors import STATUS_BY_NAME
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.rpc import RemoteError, ServiceUnavailable

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
# Where a request's parameters came from; FastAPI puts it first in an error's `loc`, and
# clients only care about the field's own name.
_LOCATIONS = {"body", "query", "path", "header", "cookie"}
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


class Problem(Exception):
    """Raise anywhere in a request to answer with this problem."""

    def __init__(self, status: int, detail: str, errors: Iterable[dict] = (),
                 headers: dict[str, str] | None = None, title: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}
        self.title = title or _phrase(status)

    def body(self) -> dict:
        return {"type": "about:blank", "title": self.title, "status": self.status,
                "detail": self.detail, "errors": self.errors}

    def response(self) -> ProblemResponse:
        return ProblemResponse(self.body(), status_code=self.status, headers=self.headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --- pure mappings (unit-tested) -----------------------------------------------------------

def field_name(loc: Sequence[Any]) -> str:
    """("body", "address", "city") -> "address.city"; ("query", "limit") -> "limit"."""
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def validation_errors(errors: Iterable[dict]) -> list[dict]:
    """FastAPI/pydantic error list -> [{"field", "message"}], one entry per bad field."""
    out = []
    for error in errors:
        message = str(error.get("msg", "invalid"))
        for prefix in _PYDANTIC_PREFIXES:
            message = message.removeprefix(prefix)
        out.append({"field": field_name(error.get("loc", ())), "message": message})
    return out


def from_remote_error(error: RemoteError) -> Problem:
    """The service's own errors keep their status; anything else is the service failing,
    which the client sees as a bad gateway (never a 500 with a stack)."""
    status = STATUS_BY_NAME.get(error.exc_type)
    if status is not None:
        return Problem(status, error.detail or _phrase(status), error.errors)
    return Problem(502, f"The {error.service} service failed to handle the request.")


def from_unavailable(error: ServiceUnavailable, retry_after_s: int) -> Problem:
    return Problem(503, f"The {error.service} service is unavailable; try again later.",
                   headers={"Retry-After": str(retry_after_s)})


# --- FastAPI wiring ------------------------------------------------------------------------

def install(app: FastAPI, retry_after_s: int) -> None:
    async def on_problem(request: Request, exc: Problem):
        return exc.response()

    async def on_http_exception(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else _phrase(exc.status_code)
        return Problem(exc.status_code, detail, headers=dict(exc.headers or {})).response()

    async def on_request_validation(request: Request, exc: RequestValidationError):
        return Problem(422, "The request is not valid.", validation_errors(exc.errors())).response()

    async def on_response_validation(request: Request, exc: ResponseValidationError):
        log.error("a service returned a record the gateway cannot describe: %s %s: %s",
                  request.method, request.url.path, exc.errors())
        return Problem(502, "A service returned a malformed record.").response()

    async def on_remote_error(request: Request, exc: RemoteError):
        problem = from_remote_error(exc)
        if problem.status == 502:
            log.error("%s (%s) on %s %s", exc, exc.exc_path, request.method, request.url.path)
        return problem.response()

    async def on_unavailable(request: Request, exc: ServiceUnavailable):
        log.warning("%s on %s %s", exc, request.method, request.url.path)
        return from_unavailable(exc, retry_after_s).response()

    async def on_database_down(request: Request, exc: OperationalError):
        # The gateway's own database (users, idempotency keys) is unreachable: a passing
        # condition the client may retry, not a failure of the request.
        log.warning("gateway database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return Problem(503, "The gateway's database is unavailable; try again shortly.",
                       headers={"Retry-After": str(retry_after_s)}).response()

    async def on_unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return Problem(500, "The gateway failed to handle the request.").response()

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(ResponseValidationError, on_response_validation)
    app.add_exception_handler(RemoteError, on_remote_error)
    app.add_exception_handler(ServiceUnavailable, on_unavailable)
    app.add_exception_handler(OperationalError, on_database_down)
    app.add_exception_handler(Exception, on_unexpected)
