"""Custom activity types define their own fields at run time; this checks the definitions
and the values an activity of such a type carries. Values are stored as sent (they are JSON:
decimals, dates and times as strings), so a check only accepts values already in that form."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

FIELD_TYPES = ("string", "text", "integer", "decimal", "boolean", "date", "datetime", "choice")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
STRING_MAX = 200
TEXT_MAX = 10000


def definition_errors(fields: list[dict]) -> list[dict]:
    """Errors in a type's field definitions, named `fields.<index>.<key>`."""
    errors, seen = [], set()
    for index, field in enumerate(fields):
        where = f"fields.{index}"
        name, kind = field.get("name"), field.get("type")
        if name in seen:
            errors.append({"field": f"{where}.name", "message": f"duplicate field name {name!r}"})
        seen.add(name)
        if kind == "choice" and not field.get("choices"):
            errors.append({"field": f"{where}.choices", "message": "a choice field needs its choices"})
        if kind != "choice" and field.get("choices"):
            errors.append({"field": f"{where}.choices", "message": "only a choice field has choices"})
    return errors


def _integer(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _decimal(value):
    # Exact figures travel as strings (a JSON number with a fraction is a binary float).
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "12.50"')
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError('must be a decimal string such as "12.50"') from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return format(number, "f")


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _text(limit: int):
    def check(value):
        if not isinstance(value, str):
            raise ValueError("must be text")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value
    return check


def _date(value):
    if not isinstance(value, str):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError("must be a date YYYY-MM-DD") from None


def _datetime(value):
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 date and time with an offset") from None
    if moment.tzinfo is None:
        raise ValueError("must carry a UTC offset (e.g. 2026-01-05T09:00:00+01:00)")
    return moment.isoformat()


CHECKS = {"string": _text(STRING_MAX), "text": _text(TEXT_MAX), "integer": _integer,
          "decimal": _decimal, "boolean": _boolean, "date": _date, "datetime": _datetime}


def value_errors(fields: list[dict], values: dict | None) -> list[dict]:
    """Errors in an activity's custom field values, named `custom_fields.<name>`."""
    values = dict(values or {})
    errors = []
    by_name = {field["name"]: field for field in fields}
    for name in values:
        if name not in by_name:
            errors.append({"field": f"custom_fields.{name}", "message": "not a field of this activity type"})
    for name, field in by_name.items():
        where = f"custom_fields.{name}"
        value = values.get(name)
        if value is None:
            if field.get("required"):
                errors.append({"field": where, "message": "required by this activity type"})
            continue
        try:
            if field["type"] == "choice":
                if value not in field["choices"]:
                    raise ValueError(f"must be one of: {', '.join(map(str, field['choices']))}")
            else:
                CHECKS[field["type"]](value)
        except ValueError as exc:
            errors.append({"field": where, "message": str(exc)})
    return errors
