"""Errors that keep their meaning across RPC.

nameko serialises a raised exception as {"exc_type", "exc_path", "exc_args", "value"}.
The gateway maps `exc_type` to an HTTP status, so these names are part of the contract:
NotFound -> 404, Conflict -> 409, ValidationFailed -> 422, PreconditionFailed -> 412.
`exc_args` is always [detail, errors] where errors is a list of {"field", "message"}.
"""
from __future__ import annotations


class CrmError(Exception):
    status = 500

    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(detail, list(errors or []))
        self.detail = detail
        self.errors = list(errors or [])

    def __str__(self) -> str:
        return self.detail


class NotFound(CrmError):
    status = 404


class Conflict(CrmError):
    """The action is not allowed in the record's current state (or it would duplicate)."""

    status = 409


class ValidationFailed(CrmError):
    status = 422

    @classmethod
    def from_marshmallow(cls, messages: dict, detail: str = "Invalid input") -> "ValidationFailed":
        return cls(detail, field_errors(messages))


class PreconditionFailed(CrmError):
    """`If-Match` carried a version that is no longer current."""

    status = 412


# Every exception a service may raise on purpose; nameko does not log these as failures.
EXPECTED = (NotFound, Conflict, ValidationFailed, PreconditionFailed)
STATUS_BY_NAME = {cls.__name__: cls.status for cls in EXPECTED}


def field_errors(messages, prefix: str = "") -> list[dict]:
    """Flatten marshmallow's nested error dict into [{"field": "address.city", "message"}]."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "body"
            out.extend(field_errors(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.extend({"field": prefix or "body", "message": m} for m in messages)
    elif isinstance(messages, list):
        for item in messages:
            out.extend(field_errors(item, prefix))
    else:
        out.append({"field": prefix or "body", "message": str(messages)})
    return out
