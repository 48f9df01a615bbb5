"""Decimal fields (money, rates) whose OpenAPI schema is exactly what the code accepts.

Money is `money(...)` in a request (a `decimal_field` with 2 places: NaN, Infinity, a third decimal
place and, where declared, a negative or zero amount are 400s) and `Money` (a string, "50000.00", as
RepaySync, RevisBali and most of ISP show it) or `MoneyNumber` (a JSON number, 150000.5, where a spec
shows one) in a response. Amounts are Decimal end to end; only the wire form differs.

pydantic's own Decimal accepts `" 5 "`, `"1e2"` and Arabic-Indic digits, and the string pattern it
documents is not anchored at the end, so a schema-driven client (or fuzzer) and the server disagree.
`decimal_field()` builds one type: a JSON number that is a multiple of 10^-places within the bounds,
or a plain ASCII decimal string matching the documented pattern (no sign unless negatives are
allowed, no exponent, no leading zeros, at most `places` decimals). Values render as strings with
exactly `places` decimals, as the specs show money ("50000.00").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

MONEY_PLACES = 2
CENT = Decimal("0.01")
MONEY_PATTERN = r"^-?(?:0|[1-9][0-9]*)\.[0-9]{2}$"


def _bound_pattern(integer_digits: int, places: int, upper: Decimal | None) -> str:
    """Digits with no leading zeros; an upper bound of 10^k (the only kind the specs need) is exact."""
    fraction = f"(?:\\.[0-9]{{1,{places}}})?" if places else ""
    if upper is None:
        return f"(?:0|[1-9][0-9]{{0,{integer_digits - 1}}}){fraction}"
    exponent = upper.log10()
    if upper <= 0 or exponent != exponent.to_integral_value() or int(exponent) > integer_digits:
        raise ValueError(f"decimal_field supports upper bounds that are powers of ten, not {upper}")
    k = int(exponent)
    below = "0" if k == 0 else f"(?:0|[1-9][0-9]{{0,{k - 1}}})"
    zeros = f"(?:\\.0{{1,{places}}})?" if places else ""
    return f"(?:{below}{fraction}|{upper:f}{zeros})"


def decimal_field(max_digits: int, places: int, *, gt: int | None = None, ge: int | None = None,
                  le: int | None = None) -> Any:
    """An Annotated Decimal type; lower bounds 0 (gt or ge) or none, upper bound none or 10^k."""
    if (gt, ge) not in ((None, None), (0, None), (None, 0)):
        raise ValueError("decimal_field supports gt=0, ge=0 or no lower bound")
    integer_digits = max_digits - places
    limit = Decimal(10) ** integer_digits
    upper = Decimal(le) if le is not None else None
    body = _bound_pattern(integer_digits, places, upper)
    sign = "" if (gt, ge) != (None, None) else "-?"
    positive = "(?!0(?:\\.0*)?$)" if gt == 0 else ""
    pattern = f"^{positive}{sign}{body}$"
    step = Decimal(1).scaleb(-places)

    number: dict[str, Any] = {"type": "number", "multipleOf": float(step)}
    if gt is not None:
        number["exclusiveMinimum"] = gt
    elif ge is not None:
        number["minimum"] = ge
    else:
        number["exclusiveMinimum"] = -float(limit)
    if upper is not None:
        number["maximum"] = float(upper)
    else:
        number["exclusiveMaximum"] = float(limit)
    compiled = re.compile(pattern)
    message = (f"Enter a number with at most {integer_digits} digits before the decimal point and "
               f"{places} after it" + (", greater than 0" if gt == 0 else ", not negative" if ge == 0 else "")
               + (f", at most {upper:f}" if upper is not None else "") + ".")
    schema = {"anyOf": [number, {"type": "string", "pattern": pattern}],
              "description": message.replace("Enter a number", "A number (or the same as a string)")}

    def parse(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError(message)
        if isinstance(value, str):
            if not compiled.fullmatch(value):
                raise ValueError(message)
            return Decimal(value)
        try:
            number_value = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(message) from exc
        if not number_value.is_finite() or not _in_bounds(number_value, gt, ge, upper, limit) \
                or number_value != number_value.quantize(step):
            raise ValueError(message)
        return number_value.copy_abs() if number_value.is_zero() else number_value

    return Annotated[Decimal, BeforeValidator(parse), WithJsonSchema(schema, mode="validation"),
                     PlainSerializer(lambda value: f"{value:.{places}f}", return_type=str, when_used="json")]


def _in_bounds(value: Decimal, gt: int | None, ge: int | None, upper: Decimal | None, limit: Decimal) -> bool:
    if gt is not None and not value > gt:
        return False
    if ge is not None and not value >= ge:
        return False
    if upper is not None:
        return value <= upper
    return -limit < value < limit


def money(max_digits: int = 14, *, gt: int | None = None, ge: int | None = None, le: int | None = None) -> Any:
    """An amount of money in a request: at most 2 decimal places (DRF's DecimalField(max_digits, 2)),
    as a JSON number or the same as a string; bounds as `decimal_field`. Answered as `Money`."""
    return decimal_field(max_digits, MONEY_PLACES, gt=gt, ge=ge, le=le)


def _cents(value: Decimal) -> Decimal:
    """A stored amount with exactly 2 places (DynamoDB gives "50000" back for "50000.00")."""
    if not value.is_finite():
        raise ValueError(f"not an amount of money: {value}")
    return value.quantize(CENT)


# A response's amount as a string with exactly 2 decimals, "50000.00" (never through a float).
Money = Annotated[Decimal, PlainSerializer(lambda value: f"{_cents(value):f}", return_type=str, when_used="json"),
                  WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN},
                                 mode="serialization")]
# A response's amount as a JSON number (150000.5): exact for amounts below 10^13 (15 significant digits).
MoneyNumber = Annotated[Decimal, PlainSerializer(lambda value: float(_cents(value)), return_type=float,
                                                 when_used="json"),
                        WithJsonSchema({"type": "number", "multipleOf": 0.01}, mode="serialization")]
