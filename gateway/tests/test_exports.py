"""Export formatting rules (pure; the exports against the real service are in test_imports)."""
from __future__ import annotations

from gateway.exports_format import flatten, safe_cell


def test_cells_a_spreadsheet_would_run_are_quoted():
    for formula in ("=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(formula) == "'" + formula
    for harmless in ("-5.00", "12", "Plain text", "a=b", None, 3):
        assert safe_cell(harmless) == harmless


def test_nested_objects_become_dotted_columns():
    assert flatten({"name": "A", "address": {"city": "Oslo", "line1": None}, "tags": ["x", "y"]}) == {
        "name": "A", "address.city": "Oslo", "address.line1": None, "tags": "x; y"}
