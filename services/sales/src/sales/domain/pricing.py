"""Quote pricing, exact: unit price from the price list, the largest quantity tier that the
quantity reaches, then the line's manual discount. Every amount is a Decimal rounded half-up
to the currency's minor unit; totals are sums of the rounded line amounts, so the lines a
customer reads always add up to the total they are billed."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
ZERO = Decimal(0)

# ISO 4217 minor units that are not 2 (https://www.iso.org/iso-4217-currency-codes.html).
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                     "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def as_money(amount: Decimal, currency: str | None) -> Decimal:
    """An amount shown with at least its currency's decimals and no trailing storage zeros
    beyond them: 1350.0000 EUR -> 1350.00, 0.1250 EUR -> 0.125."""
    amount = amount if isinstance(amount, Decimal) else Decimal(amount)
    places = max(minor_unit(currency or ""), -amount.normalize().as_tuple().exponent)
    return amount.quantize(Decimal(1).scaleb(-places))


def plain_quantity(quantity: Decimal) -> str:
    """3.0000 -> "3", 2.5000 -> "2.5", 20 -> "20" (never "2E+1")."""
    return format(Decimal(quantity).normalize(), "f")


@dataclass(frozen=True)
class Tier:
    min_quantity: Decimal
    percent: Decimal


def tier_errors(tiers: list[Tier]) -> list[str]:
    """Tiers must make buying more never cost more per unit: distinct thresholds, and a
    higher threshold never gives a smaller percentage."""
    errors = []
    ordered = sorted(tiers, key=lambda tier: tier.min_quantity)
    thresholds = [tier.min_quantity for tier in ordered]
    if len(set(thresholds)) != len(thresholds):
        errors.append("two tiers have the same min_quantity")
    if any(a.percent > b.percent for a, b in zip(ordered, ordered[1:])):
        errors.append("a tier with a higher min_quantity must not have a smaller percent")
    return errors


def tier_percent(tiers: list[Tier], quantity: Decimal) -> Decimal:
    """The percent of the largest tier whose min_quantity <= quantity (0 when none)."""
    reached = [tier for tier in tiers if tier.min_quantity <= quantity]
    return max(reached, key=lambda tier: tier.min_quantity).percent if reached else ZERO


@dataclass(frozen=True)
class LinePrice:
    unit_price: Decimal
    quantity: Decimal
    amount: Decimal  # unit price x quantity, before discounts
    tier_percent: Decimal
    tier_discount: Decimal
    manual_discount: Decimal
    net_amount: Decimal  # what the customer pays for the line

    @property
    def discount(self) -> Decimal:
        return self.tier_discount + self.manual_discount


class PricingError(ValueError):
    """The line cannot be priced as asked (message names the problem)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def price_line(unit_price: Decimal, quantity: Decimal, tiers: list[Tier],
               manual_discount: Decimal, currency: str) -> LinePrice:
    if unit_price < 0:
        raise PricingError("unit_price", "must not be negative")
    if quantity <= 0:
        raise PricingError("quantity", "must be greater than 0")
    if manual_discount < 0:
        raise PricingError("manual_discount", "must not be negative")
    amount = round_money(unit_price * quantity, currency)
    percent = tier_percent(tiers, quantity)
    tier_discount = round_money(amount * percent / HUNDRED, currency)
    manual = round_money(manual_discount, currency)
    net = amount - tier_discount - manual
    if net < 0:
        raise PricingError("manual_discount",
                           f"is more than the line's amount after the tier discount ({amount - tier_discount})")
    return LinePrice(unit_price, quantity, amount, percent, tier_discount, manual, net)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal


def totals(lines: list[LinePrice], currency: str) -> Totals:
    zero = round_money(ZERO, currency)
    subtotal = sum((line.amount for line in lines), zero)
    discount = sum((line.discount for line in lines), zero)
    return Totals(subtotal, discount, subtotal - discount)
