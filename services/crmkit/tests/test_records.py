"""json_safe: what RPC replies and event payloads carry (UUIDs and Decimals as exact strings,
times in UTC ISO 8601, nested values converted at any depth, naive times refused)."""
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from crmkit.records import json_safe


def test_every_kind_of_value_becomes_json_safe_at_any_depth():
    record_id = uuid.uuid4()
    paris = timezone(timedelta(hours=2))
    value = {"id": record_id, "amount": Decimal("1.10"), "flag": True, "none": None, "ratio": 1.5, "count": 3,
             "at": datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=paris), "day": date(2026, 1, 2),
             "lines": [{"price": Decimal("0.30"), "ids": (record_id,)}], "address": {"city": "Paris"}}
    assert json_safe(value) == {
        "id": str(record_id), "amount": "1.10", "flag": True, "none": None, "ratio": 1.5, "count": 3,
        "at": "2026-01-02T01:04:05.000600Z", "day": "2026-01-02",
        "lines": [{"price": "0.30", "ids": [str(record_id)]}], "address": {"city": "Paris"}}
    page = [dict(value) for _ in range(3)]
    assert json_safe(page) == [json_safe(value)] * 3


def test_a_naive_time_is_refused_even_deep_in_a_record():
    with pytest.raises(ValueError, match="naive datetime"):
        json_safe([{"lines": [{"at": datetime(2026, 1, 1)}]}])
