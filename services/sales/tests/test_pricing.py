"""Pricing is pure: examples, then properties checked by hypothesis over many inputs."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales.domain.pricing import (PricingError, Tier, as_money, minor_unit, plain_quantity, price_line,
                                  round_money, tier_errors, tier_percent, totals)

D = Decimal
TIERS = [Tier(D(10), D(10)), Tier(D(50), D(15))]


def test_the_largest_reached_tier_applies_then_the_manual_discount():
    line = price_line(D("22.50"), D(20), TIERS, D("5"), "USD")
    assert (line.amount, line.tier_percent, line.tier_discount, line.manual_discount, line.net_amount) == \
        (D("450.00"), D(10), D("45.00"), D("5.00"), D("400.00"))
    assert price_line(D("22.50"), D(9), TIERS, D(0), "USD").tier_percent == 0
    assert price_line(D("22.50"), D(50), TIERS, D(0), "USD").tier_percent == 15


def test_amounts_round_half_up_to_the_currencys_minor_unit():
    assert round_money(D("0.125"), "EUR") == D("0.13")
    assert round_money(D("0.124999"), "EUR") == D("0.12")
    assert round_money(D("2.5"), "JPY") == D("3")
    assert round_money(D("1.0005"), "BHD") == D("1.001")
    assert (minor_unit("EUR"), minor_unit("JPY"), minor_unit("KWD")) == (2, 0, 3)
    assert price_line(D("0.333"), D(3), [], D(0), "EUR").amount == D("1.00")  # 0.999 -> 1.00


def test_a_discount_larger_than_the_line_is_refused():
    with pytest.raises(PricingError) as raised:
        price_line(D(10), D(1), [], D("10.01"), "EUR")
    assert raised.value.field == "manual_discount"
    with pytest.raises(PricingError):
        price_line(D(10), D(0), [], D(0), "EUR")


def test_tiers_that_make_buying_more_cost_more_per_unit_are_refused():
    assert tier_errors(TIERS) == []
    assert tier_errors([Tier(D(10), D(20)), Tier(D(50), D(5))]) == \
        ["a tier with a higher min_quantity must not have a smaller percent"]
    assert tier_errors([Tier(D(10), D(5)), Tier(D(10), D(6))]) == ["two tiers have the same min_quantity"]


def test_amounts_are_shown_with_the_currencys_decimals():
    assert str(as_money(D("1350.0000"), "EUR")) == "1350.00"
    assert str(as_money(D("1350.0000"), "JPY")) == "1350"
    assert str(as_money(D("0.1250"), "EUR")) == "0.125"
    assert plain_quantity(D("20.0000")) == "20" and plain_quantity(D("2.5000")) == "2.5"


# --- properties -------------------------------------------------------------------------------

CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD"])
PRICES = st.decimals(min_value=0, max_value=100000, places=4)
QUANTITIES = st.decimals(min_value=D("0.0001"), max_value=10000, places=4).filter(lambda q: q > 0)
PERCENTS = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def monotone_tiers(draw):
    thresholds = sorted(draw(st.sets(st.integers(min_value=1, max_value=500), max_size=4)))
    percents = sorted(draw(st.lists(PERCENTS, min_size=len(thresholds), max_size=len(thresholds))))
    return [Tier(D(threshold), percent) for threshold, percent in zip(thresholds, percents)]


@st.composite
def lines(draw):
    currency = draw(CURRENCIES)
    priced = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        price, quantity, tiers = draw(PRICES), draw(QUANTITIES), draw(monotone_tiers())
        gross = round_money(price * quantity, currency)
        after_tier = gross - round_money(gross * tier_percent(tiers, quantity) / 100, currency)
        manual = draw(st.decimals(min_value=0, max_value=max(after_tier, D(0)), places=minor_unit(currency)))
        priced.append(price_line(price, quantity, tiers, manual, currency))
    return currency, priced


def exponent(amount: Decimal) -> int:
    return -amount.as_tuple().exponent


@settings(max_examples=300, deadline=None)
@given(lines())
def test_totals_are_the_sums_of_the_lines_and_never_negative(case):
    currency, priced = case
    result = totals(priced, currency)
    assert result.total == sum((line.net_amount for line in priced), D(0))
    assert result.subtotal == sum((line.amount for line in priced), D(0))
    assert result.subtotal - result.discount_total == result.total
    assert result.total >= 0 and all(line.net_amount >= 0 and line.amount >= line.net_amount for line in priced)
    for amount in (result.subtotal, result.discount_total, result.total,
                   *(line.net_amount for line in priced), *(line.tier_discount for line in priced)):
        assert exponent(amount) == minor_unit(currency)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-10**6, max_value=10**6, places=6), CURRENCIES)
def test_rounding_is_half_up_to_the_minor_unit(amount, currency):
    rounded = round_money(amount, currency)
    half = D(1).scaleb(-minor_unit(currency)) / 2
    assert exponent(rounded) == minor_unit(currency)
    # Never more than half a minor unit away; an exact half goes away from zero.
    assert abs(rounded - amount) <= half
    if abs(rounded - amount) == half:
        assert abs(rounded) > abs(amount)


@settings(max_examples=300, deadline=None)
@given(monotone_tiers(), QUANTITIES, QUANTITIES, PRICES)
def test_tiers_are_monotone_buying_more_never_costs_more_per_unit(tiers, q1, q2, price):
    small, large = sorted((q1, q2))
    assert tier_errors(tiers) == []
    assert tier_percent(tiers, small) <= tier_percent(tiers, large)
    # Before rounding, the net price of one unit never goes up with the quantity.
    assert price * (100 - tier_percent(tiers, large)) <= price * (100 - tier_percent(tiers, small))
