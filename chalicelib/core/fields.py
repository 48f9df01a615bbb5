"""Field types shared by every product's request schemas: the input rules are written once, here.

- `Text`: one line of text. Refuses every control character (Unicode category Cc: C0, DEL, C1,
  NUL included) and the invisible format characters that reorder or hide text (bidirectional
  overrides and isolates U+202A-U+202E, U+2066-U+2069, zero-width U+200B-U+200F, U+2060-U+2064,
  the soft hyphen U+00AD and the BOM U+FEFF; the rest of category Cf, mostly rare script
  marks, is allowed).
- `FreeText`: the same, except that tab and newlines (LF, and CR as browsers send CRLF) are allowed.
- `Username`: ASCII letters, digits and `@ . + - _` (a Cyrillic a, U+0430, in `admin` is refused).
- `AsciiDigits`: `[0-9]` only; Python's `\\d` and `str.isdigit()` also take the full-width 9 (U+FF19)
  and the Arabic-Indic 9 (U+0669), so nothing here uses them.
- `Email`: an address in ASCII (a look-alike letter, a Unicode digit, a full-width @ or any control
  character is refused; an internationalised domain is sent in its `xn--` form), at most 254
  characters, its domain lower-cased (the local part is the mail server's business, so it is kept);
  `EmailAsSent` keeps the domain as sent too (RepaySync answers what was sent).
- `RecordId`: a strict integer id. In a JSON body only a JSON integer is an id (`true`, `1.5` and
  `"1"` are refused; `1.0` is the integer 1, as JSON Schema's `integer` and DRF read it); in a form or
  multipart body and in a spreadsheet row, where every value is text, a string of ASCII digits is
  read as the id (`validate(..., text_values=True)`).

Lengths of an optional field go inside its type, before the rule: `Annotated[str, Field(max_length=255),
TEXT] | None`; on the union (or after the rule) pydantic checks them with a generic message.

The checks run on the value as sent (before whitespace is stripped) and each one is stated as a
`pattern` in the JSON schema, so the OpenAPI document tells a client (or a fuzzer) exactly what passes.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError, core_schema

from chalicelib.core.records import Record

# Character classes written with \\uXXXX escapes: the same text is a valid regex for Python's re,
# ECMA-262 (JSON Schema) and Rust's regex (pydantic-core), so the document and the code agree.
_INVISIBLE = r"\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF"
_CC = r"\u0000-\u001F\u007F-\u009F"
_CC_BUT_WHITESPACE = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F"  # tab, LF, CR allowed

TEXT_PATTERN = rf"^[^{_CC}{_INVISIBLE}]*$"
FREE_TEXT_PATTERN = rf"^[^{_CC_BUT_WHITESPACE}{_INVISIBLE}]*$"
# The same with at least one character that is not a space (`\s`: Python's, ECMA-262's and Rust's agree
# on every space these patterns let through): what a required field means once values are trimmed.
FILLED_TEXT_PATTERN = rf"^[^{_CC}{_INVISIBLE}]*[^{_CC}{_INVISIBLE}\s][^{_CC}{_INVISIBLE}]*$"
FILLED_FREE_TEXT_PATTERN = (rf"^[^{_CC_BUT_WHITESPACE}{_INVISIBLE}]*[^{_CC}{_INVISIBLE}\s]"
                            rf"[^{_CC_BUT_WHITESPACE}{_INVISIBLE}]*$")
USERNAME_PATTERN = r"^[A-Za-z0-9.@+_-]+$"
DIGITS_PATTERN = r"^[0-9]+$"
TEXT_CONTEXT = "text_values"  # validation context key: the values came as text (form, multipart, file)


class Pattern(Record, frozen=True):
    """Checks a string against `pattern` as sent and states the pattern in the JSON schema."""

    pattern: str
    message: str

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        """Compiled on the first check, not at import (a dozen patterns, some with wide Unicode classes)."""
        return re.compile(self.pattern.removeprefix("^").removesuffix("$"))

    def check(self, value: Any) -> Any:
        if isinstance(value, str) and not self._regex.fullmatch(value):
            raise PydanticCustomError("string_pattern_mismatch", self.message)
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


def text_pattern(pattern: str, message: str) -> Pattern:
    """A product's own pattern (phone, PIN code, ...), checked and documented the same way."""
    return Pattern(pattern, message)


CONTROL_MESSAGE = "Control and invisible formatting characters are not allowed."
TEXT = Pattern(TEXT_PATTERN, CONTROL_MESSAGE)
FREE_TEXT = Pattern(FREE_TEXT_PATTERN, CONTROL_MESSAGE + " (Tab and newlines are.)")
Text = Annotated[str, TEXT]
FreeText = Annotated[str, FREE_TEXT]
Username = Annotated[str, Pattern(USERNAME_PATTERN, "Use letters, digits and @/./+/-/_ only.")]
AsciiDigits = Annotated[str, Pattern(DIGITS_PATTERN, "Use the digits 0-9 only.")]

# The shape of an address (RFC 5322's dot-atom local part, DNS labels of 1-63 characters, at least
# one dot), ASCII only: pydantic's EmailStr would need the email-validator package and documents
# only `format: email`, which says less than the code checks.
EMAIL_PATTERN = (r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                 r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
EMAIL = Pattern(EMAIL_PATTERN, "Enter a valid email address.")


def _lower_domain(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


EmailAsSent = Annotated[str, Field(max_length=254), EMAIL]
Email = Annotated[str, Field(max_length=254), EMAIL, AfterValidator(_lower_domain)]

MAX_ID = 2**53 - 1
_ID_TEXT = re.compile(r"[0-9]{1,16}")


def _id_value(value: Any, info: ValidationInfo) -> Any:
    """A bool is never an id (JSON `true` is not customer 1); a whole number written `12.0` is (the
    document's `type: integer` allows it); digits-only text is, where values are text."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_ID:
        return int(value)
    if isinstance(value, bool | float):
        raise PydanticCustomError("int_type", "A valid integer is required.")
    if isinstance(value, str):
        if not ((info.context or {}).get(TEXT_CONTEXT) and _ID_TEXT.fullmatch(value.strip())):
            raise PydanticCustomError("int_type", "A valid integer is required.")
        return int(value.strip())
    return value


# A reference to a record by integer id. Bounded so nothing past DynamoDB's 38 significant digits
# (or JavaScript's safe integers, which the frontends use) ever reaches a key.
RecordId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID), BeforeValidator(_id_value)]
StrictId = RecordId


def whole_number(minimum: int, maximum: int) -> Any:
    """A count or a quantity, read as an id is (never a bool; digits-only text only where values are text):
    a plain `int` takes JSON `true` as 1 and "12" as 12, which the document's `type: integer` refuses."""
    return Annotated[int, Strict(), Field(ge=minimum, le=maximum), BeforeValidator(_id_value)]


_FLAG_TEXT = {"true": True, "false": False}


def _flag_value(value: Any, info: ValidationInfo) -> Any:
    """Only JSON `true`/`false` is a flag in JSON (0, 1 and "yes" are not); where values are text (a form),
    the words `true` and `false`, in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and (info.context or {}).get(TEXT_CONTEXT) and value.strip().lower() in _FLAG_TEXT:
        return _FLAG_TEXT[value.strip().lower()]
    raise PydanticCustomError("bool_type", "Must be a valid boolean.")


# A yes/no field (`is_active`) that reads the same from a JSON body and a form.
Flag = Annotated[bool, Strict(), BeforeValidator(_flag_value)]


def _query_id(value: Any) -> Any:
    """A query string holds text: only ASCII digits are an id there."""
    if isinstance(value, str):
        if not _ID_TEXT.fullmatch(value):
            raise PydanticCustomError("int_type", "A valid integer is required.")
        return int(value)
    return value


# An id in a query string (`?customer=12`).
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_query_id)]  # Field first: else the schema says "ge"


_FILLED = {TEXT_PATTERN: FILLED_TEXT_PATTERN, FREE_TEXT_PATTERN: FILLED_FREE_TEXT_PATTERN}


def _required_text_is_filled(schema: dict[str, Any]) -> None:
    """Values are trimmed before their length is checked, so a text field of at least one character needs
    one that is not a space (`" "` is a 400, as DRF's "may not be blank"): its pattern says so."""
    for prop in (schema.get("properties") or {}).values():
        for branch in (prop, *prop.get("anyOf", ())):
            if branch.get("minLength") == 1 and branch.get("pattern") in _FILLED:
                branch["pattern"] = _FILLED[branch["pattern"]]


class RequestModel(BaseModel):
    """Base of every request body: strings are trimmed and unknown fields ignored (as DRF does).

    Every `str` field is one of the types above (or has its own `pattern`): a test walks every
    product's request models and fails on a bare `str`, so no text field skips the control-character rule.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", defer_build=True,  # built on first use
                              json_schema_extra=_required_text_is_filled)


def _password_strength(value: str) -> str:
    """Django's two checks that need no word list: not all digits, not a few characters repeated."""
    if value.isdigit():
        raise PydanticCustomError("password_numeric", "This password is entirely numeric.")
    if len(set(value)) < 4:
        raise PydanticCustomError("password_common", "This password is too common.")
    return value


_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_text(value: Any) -> Any:
    """A day as the specs write it: `YYYY-MM-DD` text (pydantic alone also takes 1700000000 or
    `2025-12-18T00:00`, which the document's `format: date` does not promise)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_TEXT.fullmatch(value.strip()):
        raise PydanticCustomError("date_format", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
    return value.strip()


def _day_or_instant(value: Any) -> Any:
    """`YYYY-MM-DD` is a day; a longer ISO 8601 text is a date-time (a naive one is the product's local time)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_format", "Enter a date (YYYY-MM-DD) or a date and time (ISO 8601).")
    text = value.strip()
    try:
        return date.fromisoformat(text) if _DATE_TEXT.fullmatch(text) else datetime.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("datetime_format",
                                  "Enter a date (YYYY-MM-DD) or a date and time (ISO 8601).") from None


# A calendar day, `YYYY-MM-DD` only.
IsoDate = Annotated[date, BeforeValidator(_date_text)]
# A day or an instant: `2025-12-18`, `2025-12-18T10:00`, `2025-12-18 10:00:00+05:30`; the handler decides
# what a bare day or a naive time means.
DayOrInstant = Annotated[datetime | date, BeforeValidator(_day_or_instant)]

# A password a user chooses (registration, a reset): 8-128 characters of one-line text, not all
# digits, at least 4 distinct characters. Logins take any text (the old rules may have differed).
NewPassword = Annotated[str, Field(min_length=8, max_length=128), TEXT, AfterValidator(_password_strength)]
