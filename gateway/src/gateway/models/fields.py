"""Field types shared by the request and response models."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, StringConstraints

# Deliberately simple (no email-validator dependency): one @, a dotted domain of letters,
# digits and hyphens, no spaces. Deliverability is the mail server's business.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def check_email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


def reject_float(value: Any) -> Any:
    """JSON numbers with a fraction arrive as binary floats, which cannot hold cents
    exactly; the contract sends money as decimal strings."""
    if isinstance(value, float):
        raise ValueError('money must be a decimal string such as "1234.50"')
    return value


def plain_decimal(value: Decimal) -> str:
    # format 'f' never uses exponent notation: Decimal("1E+3") -> "1000".
    return format(value, "f")


Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(check_email)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"),
                     Field(description="ISO 4217 code, e.g. EUR", examples=["EUR"])]
# Always a JSON string on output, never a number.
Money = Annotated[Decimal, BeforeValidator(reject_float),
                  PlainSerializer(plain_decimal, return_type=str, when_used="json"),
                  Field(description='Decimal string, e.g. "1234.50"', examples=["1234.50"])]
# Input limits only: what the services store, the gateway shows as it is.
NonNegativeMoney = Annotated[Money, Field(ge=0, max_digits=20, decimal_places=4)]

Text50 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)]
RequiredText100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
RequiredText200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
