"""marshmallow field builders every service's input schemas share."""
from __future__ import annotations

from marshmallow import fields, validate


def text(max_length: int, required: bool = False) -> fields.String:
    """A required text may not be empty; an optional one may be null."""
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_length))
    return fields.String(allow_none=True, validate=validate.Length(max=max_length))
