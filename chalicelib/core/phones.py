"""Phone numbers stored and answered in E.164 (`+919876543210`), checked with Google's libphonenumber.

`E164Phone` accepts the usual human spellings (spaces, hyphens, brackets; a national number when the
field names a default region) and normalises them; an impossible or unassigned-range number is a 400
field error. Only ASCII is accepted: libphonenumber would read Arabic-Indic or full-width digits as
digits, and a look-alike spelling must not become a different stored value than the one shown.
`phonenumbers` (the `phonenumberslite` build: the same API without the geocoder, carrier and time-zone
data, which nothing here reads) is imported on the first check: its metadata is large, cold starts stay small.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from chalicelib.core.records import Record

E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
_SPELLING = re.compile(r"\+?[0-9 ().-]{4,30}")  # ASCII digits and the usual separators only
INVALID = "Enter a valid phone number in international format, e.g. +919876543210."


def to_e164(value: Any, region: str | None = None) -> str:
    """The number in E.164, or PydanticCustomError("phone_invalid") for anything else."""
    if not isinstance(value, str) or not _SPELLING.fullmatch(value.strip(" ")):
        raise PydanticCustomError("phone_invalid", INVALID)
    import phonenumbers

    try:
        number = phonenumbers.parse(value.strip(" "), region)
    except phonenumbers.NumberParseException:
        raise PydanticCustomError("phone_invalid", INVALID) from None
    if not phonenumbers.is_valid_number(number):
        raise PydanticCustomError("phone_invalid", INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class E164(Record, frozen=True):
    """Field marker: `Annotated[str, E164("IN")]` also reads national numbers as Indian ones."""

    region: str | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            lambda value: to_e164(value, self.region), json_schema_input_schema=core_schema.str_schema())

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"type": "string", "pattern": E164_PATTERN, "examples": ["+919876543210"],
                "description": "A phone number; answered in E.164."}


E164Phone = Annotated[str, E164()]
