"""Refuse NUL characters anywhere in a request's path, query or JSON body with a 422 naming
each field.

PostgreSQL text cannot hold U+0000, so such a value, valid JSON and valid to every schema,
used to reach a service's INSERT or WHERE and come back as a 502 (found by API fuzzing).
It is never meaningful in CRM data, so the gateway stops it at the door, once for all
routes, instead of in each of the services' many text fields."""
from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import Problem

NUL = "\x00"
MESSAGE = "must not contain NUL (U+0000) characters"


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    """Dotted paths (as in 422 problems: "lines.0.name") of strings or keys holding NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key).replace(NUL, "")
            child = f"{path}.{name}" if path else name
            if NUL in str(key):
                yield child
            else:
                yield from _nul_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))


def query_fields(query_string: bytes) -> list[str]:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                      errors="replace")
    return list(dict.fromkeys(name.replace(NUL, "") or "query" for name, value in pairs
                              if NUL in name or NUL in value))


def body_fields(body: bytes) -> list[str]:
    # A NUL in JSON text is always escaped; most bodies skip the second parse.
    if b"\\u0000" not in body and b"\x00" not in body:
        return []
    try:
        document = json.loads(body)
    except ValueError:
        return []  # not JSON: the route's own parsing answers
    return list(dict.fromkeys(_nul_paths(document, "")))


class NulCharacterMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem, receive = await _check(scope, receive)
            if problem is not None:
                await problem.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _check(scope: Scope, receive: Receive) -> tuple[Problem | None, Receive]:
    """The 422 for this request if it carries NUL, and a receive that replays what was read."""
    bad = (["path"] if NUL in scope.get("path", "") else []) + query_fields(scope.get("query_string", b""))
    if "json" not in Headers(scope=scope).get("content-type", ""):
        return _problem(bad), receive
    # Read the whole body (the body limit, outside, bounds it) and replay it.
    pending: list[Message] = []
    while True:
        message = await receive()
        pending.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break
    bad += body_fields(b"".join(m.get("body", b"") for m in pending if m["type"] == "http.request"))

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return _problem(bad), replay


def _problem(fields: list[str]) -> Problem | None:
    if not fields:
        return None
    return Problem(422, "The request is not valid.", [{"field": f, "message": MESSAGE} for f in fields])
