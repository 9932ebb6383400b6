"""Form fields: described from the API's own request models (their JSON schema), or listed
by hand for services the API does not front yet; submitted forms turned into JSON bodies;
the API's 422 `errors` put next to the fields they name.

Nothing here checks business rules: a value the browser sends is passed on (converted only
where HTML cannot say the type, e.g. "12" for an integer) and the API answers what is wrong."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from pydantic import BaseModel

# Which record a reference field points at, by field name: lets a form offer a choice of
# names instead of a bare UUID box.
REFERENCES = {
    "account_id": "accounts", "customer_account_id": "accounts", "parent_account_id": "accounts",
    "existing_account_id": "accounts", "contact_id": "contacts", "customer_contact_id": "contacts",
    "existing_contact_id": "contacts", "lead_id": "leads", "originating_lead_id": "leads",
    "opportunity_id": "opportunities", "campaign_id": "campaigns", "price_list_id": "price_lists",
    "product_id": "products", "competitor_id": "competitors", "contract_id": "contracts",
    "queue_id": "queues", "article_id": "articles", "list_id": "marketing_lists",
    "list_ids": "marketing_lists", "scheduling_service_id": "scheduler_services",
    "service_id": "scheduler_services", "group_id": "resource_groups",
}
LONG_TEXT = {"description", "body", "strengths", "weaknesses", "resolution", "reason"}


@dataclass(frozen=True)
class Field:
    name: str  # dotted for nested objects: "address.city"
    label: str
    kind: str = "text"  # text textarea int decimal date datetime checkbox select ref list json
    required: bool = False
    options: tuple[str, ...] = ()
    ref: str | None = None  # entity key of a reference
    multiple: bool = False
    help: str = ""
    default: Any = None  # what a new form shows (the model's default, e.g. qualify's ticked boxes)

    @property
    def html_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


def label_of(name: str) -> str:
    words = name.split(".")[-1].removesuffix("_ids").removesuffix("_id").replace("_", " ")
    return words[:1].upper() + words[1:]


# --- fields from a pydantic model ------------------------------------------------------------

def _resolve(schema: dict, defs: dict) -> dict:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _non_null(schema: dict, defs: dict) -> dict:
    """`X | None` is anyOf [X, null]: the X. Money is anyOf [number, string]: kept whole."""
    options = [_resolve(s, defs) for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        return options[0] | {k: v for k, v in schema.items() if k not in ("anyOf",)}
    return _resolve(schema, defs)


def _kind(name: str, schema: dict, defs: dict) -> tuple[str, dict]:
    types = {s.get("type") for s in schema.get("anyOf", [])} or {schema.get("type")}
    if "enum" in schema or "const" in schema:
        return "select", {"options": tuple(schema.get("enum") or [schema["const"]])}
    if {"number", "string"} <= types:
        return "decimal", {}
    kind = schema.get("type")
    fmt = schema.get("format")
    if kind == "boolean":
        return "checkbox", {}
    if kind == "integer":
        return "int", {}
    if kind == "number":
        return "decimal", {}
    if kind == "array":
        items = _resolve(schema.get("items", {}), defs)
        if items.get("type") == "string" or "enum" in items:
            ref = REFERENCES.get(name)
            return ("ref", {"ref": ref, "multiple": True}) if ref else ("list", {})
        return "json", {}
    if kind == "object" or (kind is None and "anyOf" not in schema):
        return "json", {}
    if fmt == "date":
        return "date", {}
    if fmt == "date-time":
        return "datetime", {}
    if fmt == "uuid" and name in REFERENCES:
        return "ref", {"ref": REFERENCES[name]}
    if name in LONG_TEXT or (schema.get("maxLength") or 0) > 4096:
        return "textarea", {}
    return "text", {}


def model_fields(model: type[BaseModel], *, only: Iterable[str] | None = None,
                 skip: Iterable[str] = (), labels: Mapping[str, str] | None = None) -> list[Field]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    wanted = list(only) if only is not None else None
    out = []
    for name, prop in schema.get("properties", {}).items():
        if name in skip or (wanted is not None and name not in wanted):
            continue
        if prop.get("type") == "null":  # a field the model takes only as null (excluded)
            continue
        required = name in schema.get("required", [])
        target = _non_null(prop, defs)
        nested = [(sub, *_kind(sub, _non_null(p, defs), defs))
                  for sub, p in (target.get("properties") or {}).items()] if target.get("type") == "object" else []
        # An object of plain values (an address) becomes one field per value; anything
        # deeper is edited as JSON.
        if nested and all(kind != "json" for _, kind, _ in nested):
            out.extend(Field(f"{name}.{sub}", f"{label_of(name)}: {label_of(sub).lower()}", kind, **extra)
                       for sub, kind, extra in nested)
            continue
        kind, extra = _kind(name, target, defs)
        # A reference offers names; a bare id box says it wants an id.
        label = label_of(name) + (" id" if name.endswith("_id") and kind != "ref" else "")
        out.append(Field(name, (labels or {}).get(name, label), kind, required=required,
                         help=str(prop.get("description") or "")[:160], default=prop.get("default"), **extra))
    if wanted is not None:
        out.sort(key=lambda f: wanted.index(f.name.split(".")[0]))
    return out


def required(fields: list[Field], *names: str) -> list[Field]:
    """Mark fields the page asks for even though the model allows leaving them out."""
    return [replace(f, required=True) if f.name in names else f for f in fields]


# --- values ----------------------------------------------------------------------------------

def value_at(record: Mapping | None, name: str) -> Any:
    value: Any = record or {}
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def display_value(f: Field, value: Any) -> Any:
    """A record's value as the form control shows it."""
    if value is None:
        return [] if f.multiple else ""
    if f.multiple:
        return [str(v) for v in value]
    if f.kind == "list":
        return ", ".join(str(v) for v in value)
    if f.kind == "json":
        return json.dumps(value, indent=1)
    if f.kind == "datetime" and isinstance(value, str):
        return value[:16]  # 2026-11-23T10:15:00Z -> the datetime-local form
    if f.kind == "checkbox":
        return bool(value)
    return str(value)


@dataclass
class Submission:
    """What a form sent, as the JSON body for the API, plus errors found while reading it."""

    body: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # what to show again if the API says no


def _converted(f: Field, raw: str) -> tuple[Any, str | None]:
    if f.kind == "int":
        try:
            return int(raw), None
        except ValueError:
            return raw, None  # the API names the mistake in its own words
    if f.kind == "datetime":
        # datetime-local has no zone: the form says times are UTC.
        return (raw + ":00Z" if len(raw) == 16 else raw), None
    if f.kind == "list":
        return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()], None
    if f.kind == "json":
        try:
            return json.loads(raw), None
        except ValueError as exc:
            return None, f"not valid JSON: {exc}"
    return raw, None


def _put(body: dict, name: str, value: Any) -> None:
    *parents, leaf = name.split(".")
    for part in parents:
        body = body.setdefault(part, {})
    body[leaf] = value


def read(fields: list[Field], form: Mapping[str, list[str]], *, original: Mapping | None = None) -> Submission:
    """Build the body. Without `original` (a create) empty fields are left out; with it (an
    edit) only fields whose value changed are sent, an emptied one as null."""
    sub = Submission()
    for f in fields:
        values = [v.strip() for v in form.get(f.name, [])]
        if f.kind == "checkbox":
            value: Any = bool(values and values[-1] not in ("", "false", "off"))
            sub.raw[f.name] = value
        elif f.multiple:
            value = [v for v in values if v]
            sub.raw[f.name] = value
        else:
            raw = values[-1] if values else ""
            sub.raw[f.name] = raw
            if raw == "":
                value = None
            else:
                value, problem = _converted(f, raw)
                if problem:
                    sub.errors.append({"field": f.name, "message": problem})
                    continue
        if original is None:
            if value is None or (value == [] and not f.required) or (f.kind == "checkbox" and not value
                                                                      and f.name not in form):
                continue
            _put(sub.body, f.name, value)
        elif not _same(f, value, value_at(original, f.name)):
            _put(sub.body, f.name, value)
    return sub


def _same(f: Field, new: Any, old: Any) -> bool:
    if new in (None, "", []) and old in (None, "", []):
        return True
    if new is None or old is None:
        return False
    if f.kind == "decimal":
        try:
            return Decimal(str(new)) == Decimal(str(old))
        except InvalidOperation:
            return False
    if f.kind == "datetime":
        try:
            return datetime.fromisoformat(str(new)) == datetime.fromisoformat(str(old))
        except ValueError:
            return False
    if f.kind == "date":
        try:
            return date.fromisoformat(str(new)) == date.fromisoformat(str(old))
        except ValueError:
            return False
    if f.multiple or f.kind == "list":
        return [str(v) for v in new] == [str(v) for v in old]
    if isinstance(new, (dict, list)) or isinstance(old, (dict, list)):
        return new == old
    return str(new) == str(old)


def errors_by_field(errors: Iterable[dict], fields: Iterable[Field]) -> tuple[dict[str, list[str]], list[dict]]:
    """The API's error list split into messages for fields on the form, and the rest (shown
    above the form). A nested error ("address.city", "requirements.0.kind") goes to the
    deepest form field it falls under."""
    names = sorted((f.name for f in fields), key=len, reverse=True)
    by_field: dict[str, list[str]] = {}
    rest = []
    for error in errors:
        name = str(error.get("field") or "")
        home = next((n for n in names if name == n or name.startswith(n + ".")), None)
        if home is None:
            rest.append(error)
            continue
        message = str(error.get("message") or "invalid")
        if name != home:
            message = f"{name.removeprefix(home + '.')}: {message}"
        by_field.setdefault(home, []).append(message)
    return by_field, rest


def parse_urlencoded(body: bytes) -> dict[str, list[str]]:
    """application/x-www-form-urlencoded -> {name: [values]} (no python-multipart needed:
    the UI's forms never upload files)."""
    from urllib.parse import parse_qs
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
