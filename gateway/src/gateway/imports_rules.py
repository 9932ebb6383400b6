"""Import rules, pure: reading a CSV or XLSX file into rows, what each resource matches on,
which fields of a matched record a row changes, and how a bulk create's `<index>.<field>`
errors map back to rows."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterator

from openpyxl import load_workbook
from pydantic import BaseModel

from gateway.models.accounts import AccountCreate, AccountUpdate
from gateway.models.contacts import ContactCreate, ContactUpdate
from gateway.models.leads import LeadCreate, LeadUpdate
from gateway.models.products import ProductCreate, ProductUpdate

FORMATS = {"csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Spreadsheet users count the header as row 1: the first record is row 2.
FIRST_ROW = 2


@dataclass(frozen=True)
class Rule:
    create_model: type[BaseModel]
    update_model: type[BaseModel]
    # Matching fields in order of preference: the first one a row fills is its match key.
    match_on: tuple[str, ...]


RULES = {
    "accounts": Rule(AccountCreate, AccountUpdate, ("account_number", "name")),
    "contacts": Rule(ContactCreate, ContactUpdate, ("email",)),
    "leads": Rule(LeadCreate, LeadUpdate, ("email",)),
    "products": Rule(ProductCreate, ProductUpdate, ("product_number",)),
}


class UnreadableFile(ValueError):
    pass


def rows_of(content: bytes, file_format: str) -> Iterator[dict]:
    """Each data row as {column: text}; empty cells left out, `address.city` columns nested."""
    if file_format == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableFile("the CSV file is not UTF-8") from exc
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        records = reader
    else:
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            raise UnreadableFile("the file is not an XLSX workbook") from exc
        records = sheet.iter_rows(values_only=True)
        header = next(records, None)
    if not header or not any(header):
        raise UnreadableFile("the file has no header row")
    names = [str(name).strip() if name is not None else "" for name in header]
    for values in records:
        yield nest({name: value for name, value in zip(names, values)
                    if name and value is not None and str(value).strip() != ""})


def nest(flat: dict) -> dict:
    row: dict = {}
    for name, value in flat.items():
        value = value.strip() if isinstance(value, str) else value
        head, dot, rest = name.partition(".")
        if dot:
            row.setdefault(head, {})[rest] = value
        else:
            row[name] = value
    return row


def match_key(rule: Rule, data: dict) -> tuple[str, str] | None:
    """(field, value) a row is matched on, or None when it fills no matching field."""
    for field in rule.match_on:
        value = data.get(field)
        if value not in (None, ""):
            return field, str(value)
    return None


def normalised(value: str) -> str:
    return value.strip().casefold()


def in_rounds(items: list, key) -> list[list]:
    """Split so no round holds two items of one key: the second row naming the same email
    in one file updates what the first created, one round later, instead of duplicating."""
    rounds: list[list] = []
    seen: list[set] = []
    for item in items:
        k = key(item)
        index = 0 if k is None else next((i for i, keys in enumerate(seen) if k not in keys), len(seen))
        if index == len(rounds):
            rounds.append([])
            seen.append(set())
        rounds[index].append(item)
        if k is not None:
            seen[index].add(k)
    return rounds


def changes(record: dict, data: dict) -> dict:
    """The fields of `data` whose value differs from the record's (nested objects per part)."""
    changed = {}
    for field, value in data.items():
        current = record.get(field)
        if isinstance(value, dict) and isinstance(current, dict):
            if any(_differs(current.get(part), v) for part, v in value.items()):
                changed[field] = value
        elif _differs(current, value):
            changed[field] = value
    return changed


def _differs(current, value) -> bool:
    if current is None or value is None:
        return current is not value
    try:  # money and numbers: "10.0" and "10" are the same value
        return Decimal(str(current)) != Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(current) != str(value)


def errors_by_index(errors: list[dict]) -> tuple[dict[int, list[dict]], list[dict]]:
    """Split create_many's errors (`<index>.<field>`) per item; the rest name no item."""
    per_item: dict[int, list[dict]] = {}
    other = []
    for error in errors:
        index, dot, field = str(error.get("field", "")).partition(".")
        if dot and index.isdigit():
            per_item.setdefault(int(index), []).append({"field": field, "message": error.get("message", "")})
        else:
            other.append(error)
    return per_item, other
