"""The query language of dynamic marketing lists (API.md, Marketing):

    {"all": [{"field": "city", "op": "eq", "value": "Paris"},
             {"field": "age", "op": "gte", "value": 25}]}

`parse_query` checks a query against the fields a member type has and returns predicates in
a small storage-neutral form (Compare / AnyOf / AllOf) that the database layer compiles.
Derived fields are rewritten here onto stored ones so that the database can use an index:
`age` becomes a birth_date range (an index scan) instead of age(birth_date) on every row.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

TEXT, DATE, AGE, ID = "text", "date", "age", "id"
OPS_BY_KIND = {
    TEXT: ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"),
    DATE: ("eq", "ne", "lt", "lte", "gt", "gte", "in"),
    AGE: ("eq", "ne", "lt", "lte", "gt", "gte", "in"),
    ID: ("eq", "ne", "in"),
}
MEMBER_FIELDS = {
    "contact": {"first_name": TEXT, "last_name": TEXT, "email": TEXT, "job_title": TEXT,
                "city": TEXT, "country": TEXT, "birth_date": DATE, "age": AGE,
                "account_id": ID, "owner_id": ID},
    "account": {"name": TEXT, "account_number": TEXT, "industry": TEXT, "email": TEXT,
                "city": TEXT, "country": TEXT, "parent_account_id": ID, "owner_id": ID},
    "lead": {"topic": TEXT, "first_name": TEXT, "last_name": TEXT, "company_name": TEXT,
             "email": TEXT, "phone": TEXT, "source": TEXT, "status": TEXT, "campaign_id": ID,
             "owner_id": ID},
}
MAX_IN_VALUES = 1000
MAX_TEXT = 200
MAX_AGE = 150


@dataclass(frozen=True)
class Compare:
    """`column op value` on a stored column; text compares case-insensitively."""
    column: str
    op: str  # eq ne lt lte gt gte in contains
    value: object
    text: bool = False


@dataclass(frozen=True)
class AnyOf:
    parts: tuple


@dataclass(frozen=True)
class AllOf:
    parts: tuple


class QueryErrors(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: date, today: date) -> int:
    """Completed years; the reference definition `age_predicate` must agree with."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _born_at_age(age: int, today: date) -> AllOf:
    # Aged exactly `age`: born after the day `age + 1` years ago, on or before `age` years ago.
    return AllOf((Compare("birth_date", "gt", years_before(today, age + 1)),
                  Compare("birth_date", "lte", years_before(today, age))))


def age_predicate(op: str, value, today: date):
    """Rewrite a condition on age into birth_date ranges (NULL birth dates never match)."""
    if op == "eq":
        return _born_at_age(value, today)
    if op == "ne":
        return AnyOf((Compare("birth_date", "lte", years_before(today, value + 1)),
                      Compare("birth_date", "gt", years_before(today, value))))
    if op == "in":
        return AnyOf(tuple(_born_at_age(age, today) for age in sorted(set(value))))
    if op == "lt":  # age <= value - 1
        return Compare("birth_date", "gt", years_before(today, value))
    if op == "lte":
        return Compare("birth_date", "gt", years_before(today, value + 1))
    if op == "gt":  # age >= value + 1
        return Compare("birth_date", "lte", years_before(today, value + 1))
    return Compare("birth_date", "lte", years_before(today, value))  # gte


def _scalar(kind: str, value):
    """The typed value, or raise ValueError with the message to show."""
    if kind == TEXT:
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise ValueError(f"must be a non-empty string of at most {MAX_TEXT} characters")
        return value.strip()
    if kind == DATE:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError("must be a date YYYY-MM-DD") from None
    if kind == AGE:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AGE:
            raise ValueError(f"must be a whole number of years between 0 and {MAX_AGE}")
        return value
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError("must be a UUID") from None


def _value(kind: str, op: str, value):
    if op != "in":
        return _scalar(kind, value)
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
        raise ValueError(f"`in` takes a list of 1 to {MAX_IN_VALUES} values")
    return [_scalar(kind, item) for item in value]


def _condition(member_type: str, raw, where: str, errors: list[dict]):
    fields = MEMBER_FIELDS[member_type]
    if not isinstance(raw, dict) or set(raw) != {"field", "op", "value"}:
        errors.append({"field": where, "message": 'must be {"field", "op", "value"}'})
        return None
    field, op = raw["field"], raw["op"]
    if field not in fields:
        errors.append({"field": f"{where}.field",
                       "message": f"{member_type} lists filter on: {', '.join(sorted(fields))}"})
        return None
    kind = fields[field]
    if op not in OPS_BY_KIND[kind]:
        errors.append({"field": f"{where}.op", "message": f"{field} takes: {', '.join(OPS_BY_KIND[kind])}"})
        return None
    try:
        value = _value(kind, op, raw["value"])
    except ValueError as exc:
        errors.append({"field": f"{where}.value", "message": str(exc)})
        return None
    return field, op, value, kind


def normalise_query(member_type: str, query) -> dict:
    """Validate `query` for `member_type`; return it as stored (typed values made JSON again).
    Raises QueryErrors listing every bad part, by path (query.all.1.op)."""
    if not isinstance(query, dict) or set(query) != {"all"} or not isinstance(query["all"], list):
        raise QueryErrors([{"field": "query", "message": 'must be {"all": [conditions]}'}])
    errors: list[dict] = []
    conditions = [_condition(member_type, raw, f"query.all.{index}", errors)
                  for index, raw in enumerate(query["all"])]
    if errors:
        raise QueryErrors(errors)
    return {"all": [{"field": field, "op": op,
                     "value": [_json(v) for v in value] if op == "in" else _json(value)}
                    for field, op, value, _ in conditions]}


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def query_predicate(member_type: str, query: dict, today: date) -> AllOf:
    """The predicate of a (normalised) query, evaluated for `today`."""
    parts = []
    for index, raw in enumerate(query["all"]):
        errors: list[dict] = []
        condition = _condition(member_type, raw, f"query.all.{index}", errors)
        if condition is None:  # stored queries were normalised; this is a corrupt row
            raise QueryErrors(errors)
        field, op, value, kind = condition
        if kind == AGE:
            parts.append(age_predicate(op, value, today))
        else:
            parts.append(Compare(field, op, value, text=kind == TEXT))
    return AllOf(tuple(parts))
