"""/api/v1/webhooks: subscriptions to events, their delivery log and re-sending.

Stored in the gateway's own database (no service owns them). Administrators only: a
subscription can receive every record's changes, which is an organisation-wide read.
"""
# No `from __future__ import annotations`: FastAPI reads the real types of the signatures.
import base64
import uuid
from datetime import datetime, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response, status
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import deps, tables, webhooks
from gateway.auth import current_user
from gateway.crud import API_PREFIX, expected_version
from gateway.models.common import MAX_LIMIT, Page
from gateway.models.webhooks import Webhook, WebhookCreate, WebhookDelivery, WebhookUpdate
from gateway.openapi import errors
from gateway.problems import Problem
from gateway.routers._sales_actions import NoOptions
from gateway.users import User

w, d = tables.webhooks, tables.webhook_deliveries


async def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise Problem(403, "Only administrators manage webhooks.")
    return user


def subscriptions_changed(request: Request) -> None:
    """Once a change of subscriptions is committed, and before the client hears of it, this
    process's consumer forgets the ones it read, so the next event sees the change."""
    consumer = getattr(request.app.state, "webhook_consumer", None)
    if consumer is not None:
        consumer.subscriptions.forget()


router = APIRouter(prefix=f"{API_PREFIX}/webhooks", tags=["webhooks"],
                   dependencies=[Depends(admin_user)], responses=errors(401, 403))
Engine = Annotated[AsyncEngine, Depends(deps.engine)]
Admin = Annotated[User, Depends(admin_user)]
WebhookId = Annotated[uuid.UUID, Path()]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
_PUBLIC = [c for c in w.c if c.name != "secret"]


def _not_found() -> Problem:
    return Problem(404, "No such webhook.")


def _cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def _after(cursor: str | None, created, row_id):
    """Keyset position for newest-first pages; a bad cursor is the client's 422."""
    if cursor is None:
        return None
    try:
        at, _, rid = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        at, rid = datetime.fromisoformat(at), uuid.UUID(rid)
    except ValueError:
        raise Problem(422, "The cursor is not one this API returned.",
                      [{"field": "cursor", "message": "invalid cursor"}]) from None
    return or_(created < at, and_(created == at, row_id < rid))


async def _page(engine: AsyncEngine, query, table, limit: int) -> dict:
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(table.c.created_at.desc(), table.c.id.desc())
                                   .limit(limit + 1))).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [dict(r) for r in rows],
            "next_cursor": _cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None}


async def _get(engine: AsyncEngine, webhook_id: uuid.UUID) -> dict:
    async with engine.connect() as conn:
        row = (await conn.execute(select(*_PUBLIC).where(w.c.id == webhook_id))).mappings().first()
    if row is None:
        raise _not_found()
    return dict(row)


@router.get("", response_model=Page[Webhook], operation_id="list_webhooks", summary="List webhooks",
            responses=errors(422))
async def list_webhooks(engine: Engine, limit: Limit = 50, cursor: str | None = None):
    query = select(*_PUBLIC)
    after = _after(cursor, w.c.created_at, w.c.id)
    if after is not None:
        query = query.where(after)
    return await _page(engine, query, w, limit)


@router.post("", response_model=Webhook, status_code=status.HTTP_201_CREATED,
             operation_id="create_webhook", summary="Subscribe a URL to event types",
             responses=errors(422))
async def create_webhook(body: Annotated[WebhookCreate, Body()], user: Admin, engine: Engine,
                         response: Response, request: Request):
    now = datetime.now(timezone.utc)
    values = {"id": uuid.uuid4(), "url": str(body.url), "event_types": body.event_types,
              "secret": body.secret, "active": body.active, "owner_id": user.id,
              "created_at": now, "updated_at": now, "version": 1}
    async with engine.begin() as conn:
        await conn.execute(insert(w).values(**values))
    subscriptions_changed(request)
    response.headers["Location"] = f"{API_PREFIX}/webhooks/{values['id']}"
    response.headers["ETag"] = '"1"'
    return {k: v for k, v in values.items() if k != "secret"}


@router.get("/{webhook_id}", response_model=Webhook, operation_id="get_webhook",
            summary="Get a webhook", responses=errors(404, 422))
async def get_webhook(webhook_id: WebhookId, engine: Engine, response: Response):
    record = await _get(engine, webhook_id)
    response.headers["ETag"] = f'"{record["version"]}"'
    return record


@router.patch("/{webhook_id}", response_model=Webhook, operation_id="update_webhook",
              summary="Change a webhook (e.g. deactivate it or rotate its secret)",
              responses=errors(404, 412, 422))
async def update_webhook(webhook_id: WebhookId, body: Annotated[WebhookUpdate, Body()],
                         engine: Engine, response: Response, request: Request, if_match: IfMatch = None):
    expected = expected_version(if_match)
    changes = body.model_dump(mode="json", exclude_unset=True)
    async with engine.begin() as conn:
        current = (await conn.execute(select(w.c.version).where(w.c.id == webhook_id)
                                      .with_for_update())).first()
        if current is None:
            raise _not_found()
        if expected is not None and expected != current.version:
            raise Problem(412, f"The webhook is at version {current.version}, not {expected}.")
        await conn.execute(update(w).where(w.c.id == webhook_id).values(
            **changes, updated_at=datetime.now(timezone.utc), version=current.version + 1))
    subscriptions_changed(request)
    record = await _get(engine, webhook_id)
    response.headers["ETag"] = f'"{record["version"]}"'
    return record


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               operation_id="delete_webhook", summary="Delete a webhook and its delivery log",
               responses=errors(404, 422))
async def delete_webhook(webhook_id: WebhookId, engine: Engine, request: Request):
    async with engine.begin() as conn:
        if (await conn.execute(delete(w).where(w.c.id == webhook_id))).rowcount == 0:
            raise _not_found()
    subscriptions_changed(request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", response_model=Page[WebhookDelivery],
            operation_id="list_webhook_deliveries", summary="The delivery log, newest first",
            responses=errors(404, 422))
async def list_deliveries(webhook_id: WebhookId, engine: Engine, limit: Limit = 50,
                          cursor: str | None = None,
                          status_: Annotated[Literal["pending", "delivered", "parked"] | None,
                                             Query(alias="status")] = None,
                          event_type: str | None = None):
    await _get(engine, webhook_id)
    query = select(*[c for c in d.c if c.name != "body"]).where(d.c.webhook_id == webhook_id)
    for column, value in ((d.c.status, status_), (d.c.event_type, event_type)):
        if value is not None:
            query = query.where(column == value)
    after = _after(cursor, d.c.created_at, d.c.id)
    if after is not None:
        query = query.where(after)
    return await _page(engine, query, d, limit)


@router.post("/{webhook_id}/deliveries/{delivery_id}/resend", response_model=WebhookDelivery,
             operation_id="resend_webhook_delivery",
             summary="Send a delivery again now (e.g. a parked one once the receiver is fixed)",
             responses=errors(404, 422))
async def resend_delivery(webhook_id: WebhookId, delivery_id: Annotated[uuid.UUID, Path()],
                          engine: Engine, payload: Annotated[NoOptions | None, Body()] = None):
    now = datetime.now(timezone.utc)
    async with engine.begin() as conn:
        row = (await conn.execute(
            update(d).where(d.c.id == delivery_id, d.c.webhook_id == webhook_id)
            # A fresh series of attempts, with the whole back-off before it parks again.
            .values(status=webhooks.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
            .returning(*[c for c in d.c if c.name != "body"]))).mappings().first()
    if row is None:
        raise Problem(404, "No such delivery of this webhook.")
    return dict(row)
