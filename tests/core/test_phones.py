"""core.phones: E.164 normalisation, refusals as 400 field errors, no Unicode digits or look-alikes."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.http import validate
from chalicelib.core.phones import E164, INVALID, E164Phone


class Contact(BaseModel):
    phone: E164Phone
    local: Annotated[str, E164("IN")] | None = None


@pytest.mark.parametrize("given", ["+919876543210", "+91 98765 43210", "+91-9876543210", " +91 (98765) 43-210 "])
def test_spellings_normalise_to_e164(given):
    assert validate(Contact, {"phone": given}).phone == "+919876543210"


def test_a_default_region_reads_national_numbers():
    assert validate(Contact, {"phone": "+14155552671", "local": "098765 43210"}).local == "+919876543210"


@pytest.mark.parametrize("given", [
    "9876543210",  # no country and no default region
    "+91 12345",  # too short for India
    "+999 1234567",  # no such country code
    "+91\u00a09876543210",  # a no-break space
    "+\u0669\u0661\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661\u0660",  # Arabic-Indic digits
    "+\uff19\uff11\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10",  # full-width digits
    "+91987654321O",  # a letter O for the last zero
    "+919876543210\n",  # a control character
    "=HYPERLINK(\"x\")",  # a formula
    919876543210,  # a number, not text
    True,
    "",
])
def test_invalid_numbers_are_a_400_field_error(given):
    with pytest.raises(ValidationFailed) as caught:
        validate(Contact, {"phone": given})
    assert caught.value.field_errors == {"phone": [INVALID]}


def test_the_json_schema_states_e164():
    schema = Contact.model_json_schema()["properties"]["phone"]
    assert schema["type"] == "string" and schema["pattern"] == r"^\+[1-9][0-9]{6,14}$"
