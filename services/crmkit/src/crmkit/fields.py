"""marshmallow field builders every service's input schemas share."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate


def _no_nul(value: str) -> None:
    # PostgreSQL cannot store NUL in text: refuse it as bad input (422), not a database error.
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")


def text(max_length: int, required: bool = False) -> fields.String:
    """A required text may not be empty; an optional one may be null."""
    if required:
        return fields.String(required=True, validate=[validate.Length(min=1, max=max_length), _no_nul])
    return fields.String(allow_none=True, validate=[validate.Length(max=max_length), _no_nul])
