"""Pure marketing rules (no I/O): the list query language, age as birth_date ranges, state
machines, round-robin owners and the metrics arithmetic."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.errors import Conflict
from marketing.domain.campaigns import (CAMPAIGN_ACTIONS, RESPONSE_ACTIONS, next_state, response_rate,
                                        roi, round_robin)
from marketing.domain.queries import (AllOf, AnyOf, Compare, QueryErrors, age_on, age_predicate,
                                      normalise_query, query_predicate, years_before)


def holds(predicate, birth_date: date | None) -> bool:
    """Evaluate a birth_date predicate the way SQL does (NULL never matches)."""
    if isinstance(predicate, AllOf):
        return all(holds(part, birth_date) for part in predicate.parts)
    if isinstance(predicate, AnyOf):
        return any(holds(part, birth_date) for part in predicate.parts)
    if birth_date is None:
        return False
    value = predicate.value
    return {"lt": birth_date < value, "lte": birth_date <= value,
            "gt": birth_date > value, "gte": birth_date >= value}[predicate.op]


@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
       today=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
       op=st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte"]), age=st.integers(0, 120))
def test_age_ranges_agree_with_the_age_of_every_birth_date(birth, today, op, age):
    if birth > today:
        return
    actual = age_on(birth, today)
    expected = {"eq": actual == age, "ne": actual != age, "lt": actual < age, "lte": actual <= age,
                "gt": actual > age, "gte": actual >= age}[op]
    assert holds(age_predicate(op, age, today), birth) == expected


def test_age_in_is_any_of_the_ages_and_a_missing_birth_date_never_matches():
    today = date(2026, 3, 1)
    predicate = age_predicate("in", [25, 30], today)
    assert holds(predicate, date(2001, 3, 1)) and holds(predicate, date(1995, 6, 1))
    assert not holds(predicate, date(1998, 6, 1))  # 27
    assert not holds(age_predicate("ne", 25, today), None)


def test_a_29_february_birthday_comes_on_1_march_in_other_years():
    assert years_before(date(2025, 2, 28), 1) == date(2024, 2, 28)
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24
    assert age_on(date(2000, 2, 29), date(2025, 3, 1)) == 25


def test_a_query_is_normalised_and_compiles_to_stored_columns():
    query = normalise_query("contact", {"all": [{"field": "city", "op": "eq", "value": " Paris "},
                                                {"field": "owner_id", "op": "in",
                                                 "value": ["0B6F1C7E-2F0A-4D55-9A53-6A1F7C1E0012"]}]})
    assert query == {"all": [{"field": "city", "op": "eq", "value": "Paris"},
                             {"field": "owner_id", "op": "in", "value": ["0b6f1c7e-2f0a-4d55-9a53-6a1f7c1e0012"]}]}
    assert query_predicate("contact", query, date(2026, 1, 1)) == AllOf((
        Compare("city", "eq", "Paris", text=True),
        Compare("owner_id", "in", ["0b6f1c7e-2f0a-4d55-9a53-6a1f7c1e0012"], text=False)))


@pytest.mark.parametrize("query, fields", [
    ([], ["query"]),
    ({"any": []}, ["query"]),
    ({"all": ["city = Paris"]}, ["query.all.0"]),
    ({"all": [{"field": "age", "op": "gte", "value": "25"}, {"field": "age", "op": "gte", "value": True},
              {"field": "name", "op": "eq", "value": "x"}]}, ["query.all.0.value", "query.all.1.value", "query.all.2.field"]),
    ({"all": [{"field": "account_id", "op": "contains", "value": "1"}]}, ["query.all.0.op"]),
])
def test_bad_queries_name_every_bad_part(query, fields):
    with pytest.raises(QueryErrors) as raised:
        normalise_query("contact", query)
    assert [e["field"] for e in raised.value.errors] == fields


def test_campaign_and_response_state_machines():
    assert next_state(CAMPAIGN_ACTIONS, "campaign", "activate", "planned") == "active"
    assert next_state(CAMPAIGN_ACTIONS, "campaign", "cancel", "active") == "cancelled"
    for action, state in [("activate", "active"), ("complete", "planned"), ("cancel", "completed"),
                          ("complete", "cancelled")]:
        with pytest.raises(Conflict):
            next_state(CAMPAIGN_ACTIONS, "campaign", action, state)
    assert next_state(RESPONSE_ACTIONS, "response", "convert", "open") == "converted"
    with pytest.raises(Conflict) as raised:
        next_state(RESPONSE_ACTIONS, "response", "close", "converted")
    assert "only a open response can be closed" in raised.value.detail


def test_round_robin_continues_the_rotation():
    assert round_robin(["a", "b", "c"], 0, 4) == ["a", "b", "c", "a"]
    assert round_robin(["a", "b", "c"], 4, 3) == ["b", "c", "a"]
    assert round_robin(["a"], 10, 0) == []


def test_rates_and_roi_are_exact_and_undefined_without_a_base():
    assert response_rate(1, 3) == Decimal("33.33")
    assert response_rate(2, 3) == Decimal("66.67")
    assert response_rate(5, 0) is None
    assert roi(Decimal("11800.00"), Decimal("2000.00")) == Decimal("4.9000")
    assert roi(Decimal("0.01"), Decimal("3.00")) == Decimal("-0.9967")
    assert roi(Decimal("100"), Decimal("0")) is None


def test_years_before_and_age_on_agree_around_birthdays():
    birth = date(1990, 6, 15)
    assert age_on(birth, years_before(date(2026, 6, 15), 0)) == 36
    assert age_on(birth, date(2026, 6, 15) - timedelta(days=1)) == 35
