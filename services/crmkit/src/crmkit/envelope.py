"""The event envelope of EVENTS.md: one shape for every event on the bus."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


class EnvelopeSchema(Schema):
    class Meta:
        # A newer producer may add envelope fields (EVENTS.md: adding keeps the version);
        # consumers running older code must still take the event.
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=validate.Length(min=1))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    producer = fields.String(required=True, validate=validate.Length(min=1))
    correlation_id = fields.UUID(required=True, allow_none=True)
    payload = fields.Dict(required=True)
    # W3C trace context of the change that produced the event (optional; crmkit.tracing).
    traceparent = fields.String(load_default=None, allow_none=True)


_schema = EnvelopeSchema()

# Request ids from HTTP clients are free text; envelopes carry UUIDs.
_CORRELATION_NAMESPACE = uuid.UUID("6f1f3c2e-8a44-4a57-9b1e-2d0c8e5f7a10")


def as_correlation_id(value) -> str | None:
    """A UUID stays itself; any other id maps to a stable UUID (one request, one id), so a
    client's X-Request-ID can never make an envelope invalid."""
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(uuid.uuid5(_CORRELATION_NAMESPACE, str(value)))


@dataclass(frozen=True)
class Envelope:
    event_type: str
    producer: str
    payload: dict
    version: int = 1
    correlation_id: str | None = None
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    traceparent: str | None = None

    def to_dict(self) -> dict:
        extra = {"traceparent": self.traceparent} if self.traceparent else {}
        return extra | {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "producer": self.producer,
            "correlation_id": str(self.correlation_id) if self.correlation_id else None,
            "payload": self.payload,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Envelope":
        """Validate an incoming message; raises marshmallow.ValidationError when malformed."""
        if not isinstance(data, dict):
            raise ValidationError({"_schema": ["an event envelope must be a JSON object"]})
        loaded = _schema.load(data)
        return cls(
            event_id=str(loaded["event_id"]),
            event_type=loaded["event_type"],
            version=loaded["version"],
            occurred_at=loaded["occurred_at"],
            producer=loaded["producer"],
            correlation_id=str(loaded["correlation_id"]) if loaded["correlation_id"] else None,
            payload=loaded["payload"],
            traceparent=loaded["traceparent"],
        )
