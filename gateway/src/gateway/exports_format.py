"""Export formatting, pure: records flattened into columns, cells made safe for spreadsheets,
and written as CSV or XLSX."""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable

from openpyxl import Workbook

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (OWASP
# "CSV injection"); tab and carriage return can hide one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def safe_cell(value):
    """Text that a spreadsheet would run is prefixed with a quote; plain numbers stay numbers
    (a negative amount "-5.00" is not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def flatten(record: dict, prefix: str = "") -> dict:
    """{"address": {"city": "Oslo"}} -> {"address.city": "Oslo"}; lists become `; `-joined text."""
    flat = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(item) for item in value)
        else:
            flat[name] = value
    return flat


def columns(records: list[dict]) -> list[str]:
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    return list(names)


def rows(records: Iterable[dict], names: list[str]) -> Iterable[list]:
    for record in records:
        yield [safe_cell(record.get(name)) for name in names]


def to_csv(records: list[dict]) -> bytes:
    flat = [flatten(r) for r in records]
    names = columns(flat)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    writer.writerows(["" if v is None else v for v in row] for row in rows(flat, names))
    # A BOM so Excel reads the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(records: list[dict], title: str) -> bytes:
    flat = [flatten(r) for r in records]
    names = columns(flat)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(names)
    for row in rows(flat, names):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
