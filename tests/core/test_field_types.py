"""Shared field types (core/fields.py, core/decimals.py): strict ids, money and email refuse what only
looks right (Unicode digits, look-alike letters, control characters, exponents, NaN) and render money
with exactly 2 places."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from chalicelib.core.decimals import Money, MoneyNumber, money
from chalicelib.core.fields import TEXT_CONTEXT, Email, EmailAsSent, RecordId

ARABIC_INDIC_3 = "\u0663"
FULL_WIDTH_12 = "\uff11\uff12"


def accepts(adapter: TypeAdapter, value: object, *, text: bool = False) -> bool:
    try:
        adapter.validate_python(value, context={TEXT_CONTEXT: text})
    except ValidationError:
        return False
    return True


# -- strict ids --------------------------------------------------------------------------------
IDS = TypeAdapter(RecordId)


@pytest.mark.parametrize("value", [True, False, 1.5, 1e300, float("nan"), "1", "1e3", ARABIC_INDIC_3, 0, -1, 0.0, 2**53,
                                   float(2**53), None])
def test_a_json_id_is_a_positive_json_integer_and_nothing_else(value):
    assert not accepts(IDS, value)


@pytest.mark.parametrize("value", ["1e3", ARABIC_INDIC_3, FULL_WIDTH_12, "+1", "-1", "1_000", "0x1f", "", "0",
                                   "9" * 17, "1\u0000", "1.0"])
def test_an_id_sent_as_text_is_ascii_digits_only(value):
    assert not accepts(IDS, value, text=True)


def test_ids_that_pass():
    assert IDS.validate_python(7) == 7 and IDS.validate_python(2**53 - 1) == 2**53 - 1
    assert IDS.validate_python(845.0) == 845  # JSON Schema's `integer` (and DRF) take a whole 845.0
    assert IDS.validate_python("42", context={TEXT_CONTEXT: True}) == 42
    assert IDS.json_schema() == {"type": "integer", "minimum": 1, "maximum": 2**53 - 1}


# -- money -------------------------------------------------------------------------------------
PRICE = TypeAdapter(money(14, gt=0))
BALANCE = TypeAdapter(money(14, ge=0))
ADJUSTMENT = TypeAdapter(money(10))


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-Infinity", float("nan"), float("inf"), Decimal("NaN"),
                                   Decimal("Infinity"), "1.005", 1.005, Decimal("1.005"), "1e3", 1e20, "-1.00", -1,
                                   0, "0.00", " 5", "5 ", "+5", "05", ARABIC_INDIC_3, FULL_WIDTH_12, "5\u0000",
                                   True, None, [], "1,000.00", "10000000000000"])
def test_a_price_refuses_what_is_not_a_positive_amount_with_two_places_at_most(value):
    assert not accepts(PRICE, value)


def test_amounts_that_pass_are_exact_decimals():
    assert PRICE.validate_python("0.01") == Decimal("0.01")
    assert PRICE.validate_python(5.5) == Decimal("5.5") and PRICE.validate_python(7) == Decimal("7")
    assert PRICE.validate_python("999999999999.99") == Decimal("999999999999.99")
    assert BALANCE.validate_python(0) == Decimal("0") and not accepts(BALANCE, "-0.01")
    assert ADJUSTMENT.validate_python("-12.50") == Decimal("-12.50")


class Answer(BaseModel):
    text: Money
    number: MoneyNumber


@pytest.mark.parametrize(("stored", "text", "number"), [
    (Decimal("50000"), "50000.00", 50000.0),  # DynamoDB gives "50000" back for "50000.00"
    (Decimal("5E+4"), "50000.00", 50000.0),
    (Decimal("150000.5"), "150000.50", 150000.5),
    (Decimal("0.07"), "0.07", 0.07),
    (Decimal("-12.5"), "-12.50", -12.5),
    (Decimal("999999999999.99"), "999999999999.99", 999999999999.99),
])
def test_money_is_answered_with_exactly_two_places(stored, text, number):
    body = json.loads(Answer(text=stored, number=stored).model_dump_json())
    assert body == {"text": text, "number": number}


def test_money_answers_are_documented():
    schema = Answer.model_json_schema(mode="serialization")["properties"]
    assert schema["text"]["type"] == "string" and schema["text"]["pattern"] == r"^-?(?:0|[1-9][0-9]*)\.[0-9]{2}$"
    assert schema["number"] == {"type": "number", "multipleOf": 0.01, "title": "Number"}


# -- email -------------------------------------------------------------------------------------
EMAIL = TypeAdapter(Email)
AS_SENT = TypeAdapter(EmailAsSent)


@pytest.mark.parametrize("value", [
    "\u0430dmin@example.com",  # Cyrillic a
    "admin@ex\u0430mple.com",  # Cyrillic a in the domain
    "admin\uff20example.com",  # full-width @
    f"admin@example{ARABIC_INDIC_3}.com",
    "admin@b\u00fccher.de",  # an IDN domain goes in its ASCII (punycode) form
    "a\u0000@example.com", "a@example.com\n", "a\u200b@example.com", "a\u202e@example.com",
    " a@example.com", "a b@example.com", "a@localhost", "a@-example.com", "a@example..com", "@example.com",
    "a@", "a", "", "a@" + "b" * 64 + ".com", "a@b.com@c.com", f"{'a' * 250}@b.co",
])
def test_an_email_is_ascii_and_shaped_like_an_address(value):
    assert not accepts(EMAIL, value) and not accepts(AS_SENT, value)


def test_email_domain_is_lower_cased_unless_kept_as_sent():
    assert EMAIL.validate_python("John.Doe+Tag@Example.COM") == "John.Doe+Tag@example.com"
    assert AS_SENT.validate_python("John.Doe+Tag@Example.COM") == "John.Doe+Tag@Example.COM"
    assert EMAIL.validate_python("a@xn--bcher-kva.de") == "a@xn--bcher-kva.de"
    assert EMAIL.json_schema()["maxLength"] == 254 and EMAIL.json_schema()["pattern"].startswith("^")


def test_a_day_is_yyyy_mm_dd_text_only():
    from datetime import date

    from pydantic import TypeAdapter, ValidationError

    from chalicelib.core.fields import IsoDate

    adapter = TypeAdapter(IsoDate)
    assert adapter.validate_python("2025-12-18") == date(2025, 12, 18)
    for value in (1700000000, "2025-12-18T00:00", "18-12-2025", "2025-02-30", True, None):
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


def test_a_day_or_an_instant_keeps_which_one_was_sent():
    from datetime import date, datetime, timedelta

    from pydantic import TypeAdapter, ValidationError

    from chalicelib.core.fields import DayOrInstant

    adapter = TypeAdapter(DayOrInstant)
    assert adapter.validate_python("2025-12-18") == date(2025, 12, 18)
    assert type(adapter.validate_python("2025-12-18")) is date
    assert adapter.validate_python("2025-12-18 10:00") == datetime(2025, 12, 18, 10, 0)
    aware = adapter.validate_python("2025-12-18T10:00:00+05:30")
    assert aware.utcoffset() == timedelta(hours=5, minutes=30)
    for value in (1700000000, "tomorrow", "2025-12-18T25:00", None):
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


def test_a_query_id_states_its_bounds_as_json_schema_does():
    """`minimum`/`maximum`, not pydantic's own `ge`/`le` (which a schema-driven client ignores)."""
    from pydantic import TypeAdapter

    from chalicelib.core.fields import QueryId

    assert TypeAdapter(QueryId).json_schema() == {"type": "integer", "minimum": 1, "maximum": 2**53 - 1}


# -- flags ---------------------------------------------------------------------------------------
def test_a_flag_is_a_json_boolean_or_in_a_form_the_word_true_or_false():
    from chalicelib.core.fields import Flag

    flags = TypeAdapter(Flag)
    assert flags.validate_python(False) is False and flags.validate_python(True, context={TEXT_CONTEXT: True})
    assert flags.validate_python(" FALSE ", context={TEXT_CONTEXT: True}) is False
    for value in (0, 1, "true", "false", None, 1.0):
        assert not accepts(flags, value), value  # JSON: only true/false
    for value in ("1", "yes", "on", "", "tru\u0435"):  # the last with a Cyrillic e
        assert not accepts(flags, value, text=True), value
    assert TypeAdapter(Flag).json_schema() == {"type": "boolean"}
