"""`Idempotency-Key` on POST: a retried request gets the first request's response instead
of doing the work twice.

Keys are scoped per user. The first request with a key claims it (a row marked in flight),
runs, and stores its response. Then, for the same (user, key):
- same method, path and body, first one finished -> the stored response, replayed
  (header `Idempotent-Replayed: true`);
- different request -> 422 (a client bug: keys must not be reused for other requests);
- first one still running -> 409 (retry later).
Responses that say nothing final about the request (401, 5xx: e.g. a service was
unavailable) are not stored: the key is released so a retry runs again.

It is an ASGI middleware rather than a route dependency because it must see the complete
response (status, body, Location) of whatever POST route it wraps.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import auth, users
from gateway.problems import Problem
from gateway.tables import idempotency_keys

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_PREFIX = "/api/v1/"
# Token requests create nothing; replaying one would hand out a stale token.
EXEMPT_PATHS = {"/api/v1/auth/token"}
MAX_KEY_LENGTH = 255
# A claim older than this whose request never finished (its process died) may be taken
# over; it is far longer than any request may run (RPC timeouts are seconds).
IN_FLIGHT_LEASE = timedelta(minutes=2)
# Headers worth replaying; the rest (request id, date) belong to each response.
STORED_HEADERS = ("content-type", "location", "etag")
CLAIM_ATTEMPTS = 3


# --- the store ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    outcome: Literal["run", "replay", "mismatch", "in_flight"]
    status_code: int | None = None
    body: object = None
    headers: dict | None = None


def request_hash(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: parts cannot blur
        digest.update(part)
    return digest.hexdigest()


async def claim(engine: AsyncEngine, user_id: uuid.UUID, key: str, method: str, path: str,
                fingerprint: str) -> Claim:
    for _ in range(CLAIM_ATTEMPTS):
        now = datetime.now(timezone.utc)
        async with engine.begin() as conn:
            inserted = (await conn.execute(
                insert(idempotency_keys)
                .values(key=key, user_id=user_id, method=method, path=path,
                        request_hash=fingerprint, created_at=now, completed=False)
                .on_conflict_do_nothing(index_elements=["user_id", "key"])
                .returning(idempotency_keys.c.key)
            )).first()
            if inserted:
                return Claim("run")
            row = (await conn.execute(
                select(idempotency_keys).where(idempotency_keys.c.user_id == user_id,
                                               idempotency_keys.c.key == key)
            )).first()
            if row is None:
                continue  # released between our insert and select; try again
            if row.request_hash != fingerprint:
                return Claim("mismatch")
            if row.completed:
                return Claim("replay", row.status_code, row.response_body, row.response_headers)
            if row.created_at > now - IN_FLIGHT_LEASE:
                return Claim("in_flight")
            # Abandoned claim: take it over, unless another retry just did.
            taken = (await conn.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key,
                       idempotency_keys.c.completed.is_(False),
                       idempotency_keys.c.created_at == row.created_at)
                .values(created_at=now)
                .returning(idempotency_keys.c.key)
            )).first()
            if taken:
                return Claim("run")
    return Claim("in_flight")


async def complete(engine: AsyncEngine, user_id: uuid.UUID, key: str, status_code: int,
                   body: object, headers: dict) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key)
            .values(status_code=status_code, response_body=body, response_headers=headers,
                    completed=True))


async def release(engine: AsyncEngine, user_id: uuid.UUID, key: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            delete(idempotency_keys)
            .where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key,
                   idempotency_keys.c.completed.is_(False)))


async def purge_older_than(engine: AsyncEngine, age: timedelta) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(
            delete(idempotency_keys)
            .where(idempotency_keys.c.created_at < datetime.now(timezone.utc) - age))
    return result.rowcount


async def purge_periodically(engine: AsyncEngine, retention: timedelta,
                             interval_s: float = 3600) -> None:
    """Keys only need to outlive client retries; drop old ones so the table stays small."""
    while True:
        try:
            purged = await purge_older_than(engine, retention)
            if purged:
                log.info("purged %d idempotency keys older than %s", purged, retention)
        except Exception:
            log.exception("purging idempotency keys failed; will try again")
        await asyncio.sleep(interval_s)


# --- encoding stored responses -------------------------------------------------------------

def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def encode_body(raw: bytes, content_type: str) -> object:
    """Response bytes -> a jsonb value: the JSON document itself, or the text as a string."""
    if not raw:
        return None
    if _is_json(content_type):
        return json.loads(raw)
    return raw.decode("utf-8", errors="replace")


def decode_body(stored: object, content_type: str) -> bytes:
    if stored is None:
        return b""
    if _is_json(content_type):
        # The same compact form Starlette's JSONResponse writes.
        return json.dumps(stored, ensure_ascii=False, separators=(",", ":")).encode()
    return str(stored).encode()


# --- the middleware ------------------------------------------------------------------------

class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        state = scope["app"].state
        user = await self._caller(state, headers.get("authorization")) if key is not None else None
        if user is None:
            # No key: nothing to do. No valid caller: the route answers 401 by itself.
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            await self._send_problem(send, Problem(422, "Invalid Idempotency-Key.", [
                {"field": HEADER, "message": f"must be 1 to {MAX_KEY_LENGTH} characters"}]))
            return

        body = await _read_body(receive)  # size-limited by BodyLimitMiddleware
        fingerprint = request_hash(scope["method"], scope["path"],
                                   scope.get("query_string", b"").decode("latin-1"), body)
        engine = state.engine
        claimed = await claim(engine, user.id, key, scope["method"], scope["path"], fingerprint)
        if claimed.outcome == "run":
            await self._run_and_store(scope, body, receive, send, engine, user.id, key)
        elif claimed.outcome == "replay":
            await self._replay(send, claimed)
        elif claimed.outcome == "mismatch":
            await self._send_problem(send, Problem(
                422, "This Idempotency-Key was used for a different request.",
                [{"field": HEADER, "message": "already used with another method, path or body"}]))
        else:
            await self._send_problem(send, Problem(
                409, "A request with this Idempotency-Key is still being processed; retry later."))

    @staticmethod
    def _applies(scope: Scope) -> bool:
        return (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"].startswith(API_PREFIX) and scope["path"] not in EXEMPT_PATHS)

    @staticmethod
    async def _caller(state, authorization: str | None) -> users.User | None:
        user_id = auth.user_id_from_authorization(state.settings, authorization)
        return await users.get_active_user(state.engine, user_id) if user_id else None

    async def _run_and_store(self, scope: Scope, body: bytes, receive: Receive, send: Send,
                             engine: AsyncEngine, user_id: uuid.UUID, key: str) -> None:
        # Buffer the response: it is stored before the client sees it, so a client that
        # got an answer always finds it on retry.
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, _replaying(body, receive), capture)
        except BaseException:
            await asyncio.shield(release(engine, user_id, key))
            raise
        raw = b"".join(chunks)
        status = start["status"]
        response_headers = Headers(raw=start["headers"])
        if status == 401 or status >= 500:
            await release(engine, user_id, key)
        else:
            try:
                content_type = response_headers.get("content-type", "")
                kept = {name: response_headers[name] for name in STORED_HEADERS if name in response_headers}
                await complete(engine, user_id, key, status, encode_body(raw, content_type), kept)
            except Exception:
                # The work is done; failing to remember it must not hide the result.
                log.exception("could not store the response for Idempotency-Key %r", key)
                await release(engine, user_id, key)
        await send(start)
        await send({"type": "http.response.body", "body": raw})

    @staticmethod
    async def _replay(send: Send, claimed: Claim) -> None:
        stored_headers = claimed.headers or {}
        body = decode_body(claimed.body, stored_headers.get("content-type", ""))
        headers = [(name.encode(), value.encode()) for name, value in stored_headers.items()]
        headers += [(b"content-length", str(len(body)).encode()),
                    (REPLAYED_HEADER.lower().encode(), b"true")]
        await send({"type": "http.response.start", "status": claimed.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _send_problem(send: Send, problem: Problem) -> None:
        response = problem.response()
        await send({"type": "http.response.start", "status": response.status_code,
                    "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive channel that hands the already-read body to the app, then defers to the
    real one (which reports the client disconnecting)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
