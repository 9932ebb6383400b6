"""Webhook subscriptions and their delivery log."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, Field, field_validator

from gateway import asyncapi, webhooks
from gateway.models.common import Input, Patch, Record


def _known(event_types: list[str] | None) -> list[str] | None:
    if event_types is None:
        return None
    known = asyncapi.event_types() | {webhooks.ALL_EVENTS}
    unknown = sorted(set(event_types) - known)
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)} (see /asyncapi.json; "
                         f"'*' is every event)")
    return sorted(set(event_types))


class WebhookCreate(Input):
    url: AnyHttpUrl = Field(description="Receives a POST of each event's envelope")
    event_types: list[str] = Field(min_length=1, description="Event types to receive; '*' is every event")
    secret: str = Field(min_length=16, max_length=200,
                        description="HMAC-SHA256 key of X-CRM-Signature; write-only")
    active: bool = True

    _event_types = field_validator("event_types")(_known)


class WebhookUpdate(Patch):
    REQUIRED = ("url", "event_types", "secret", "active")

    url: AnyHttpUrl | None = None
    event_types: list[str] | None = Field(None, min_length=1)
    secret: str | None = Field(None, min_length=16, max_length=200)
    active: bool | None = None

    _event_types = field_validator("event_types")(_known)


class Webhook(Record):
    """The secret is never shown again once set."""

    url: str
    event_types: list[str]
    active: bool


class WebhookDelivery(BaseModel):
    id: UUID
    webhook_id: UUID
    event_id: UUID
    event_type: str
    status: Literal["pending", "delivered", "parked"]
    attempts: int
    next_attempt_at: AwareDatetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    delivered_at: AwareDatetime | None
