"""Request and response bodies of RepaySync (pydantic v2), in the spec's field names.

Validation that needs no database lives here (formats, ranges, choices); rules that do (uniqueness,
existence, scoping) live in services/.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.core.decimals import Money, decimal_field, money
from chalicelib.core.fields import (
    FREE_TEXT,
    TEXT,
    EmailAsSent,
    FreeText,
    IsoDate,
    RecordId,
    RequestModel,
    Text,
    Username,
    text_pattern,
)
from chalicelib.core.patch import patch_of

Role = Literal["calling_agent", "collection_officer", "manager", "admin"]
Disposition = Literal["called", "visited", "promise_to_pay"]
InteractionType = Literal["field", "calling"]

# States and union territories (vehicle-registration / GST style codes, with the common variants).
INDIAN_STATES = frozenset({
    "AN", "AP", "AR", "AS", "BR", "CH", "CG", "CT", "DH", "DN", "DD", "DL", "GA", "GJ", "HR", "HP",
    "JK", "JH", "KA", "KL", "LA", "LD", "MP", "MH", "MN", "ML", "MZ", "NL", "OD", "OR", "PY", "PB",
    "RJ", "SK", "TN", "TS", "TG", "TR", "UP", "UK", "UT", "WB",
})

# A code in any case, ASCII spaces around (trimmed): stated in the document so that a client (or a fuzzer)
# knows the codes, and ASCII only, so that no look-alike becomes a code through upper() (\u017f -> S).
STATE_PATTERN = "^ *(?:" + "|".join(f"[{code[0]}{code[0].lower()}][{code[1]}{code[1].lower()}]"
                                    for code in sorted(INDIAN_STATES)) + ") *$"
STATE_MESSAGE = "Enter a valid Indian state or union territory code (such as KA or WB)."
StateCode = Annotated[str, text_pattern(STATE_PATTERN, STATE_MESSAGE)]

_PINCODE = re.compile(r"^[1-9][0-9]{5}$")  # [0-9], never \d: \d takes full-width and Arabic-Indic digits
_CODE = re.compile(r"^[A-Za-z0-9-]+$")
PHONE_MESSAGE = "Enter a valid phone number (10 to 15 digits, optional + and country code)."
# 10 to 15 ASCII digits, an optional leading +, spaces, hyphens, dots and brackets between them.
PHONE = text_pattern(r"^[ ().-]*\+?[ ().-]*(?:[0-9][ ().-]*){10,15}$", PHONE_MESSAGE)
Phone = Annotated[str, PHONE]
Pincode = Annotated[str, text_pattern(r"^[1-9][0-9]{5}$", "Enter a valid 6-digit PIN code.")]
CUSTOMER_CODE = text_pattern(r"^[A-Za-z0-9-]*$", "Use letters, digits and hyphens only.")

PrincipalAmount = money(14, gt=0)  # DRF's DecimalField(max_digits=14, decimal_places=2)
InterestRate = decimal_field(5, 2, ge=0, le=100)


# What str.strip() removes (Python's whitespace), as a JSON Schema class: a blank optional field means none.
BLANK_PATTERN = r"^[\u0009-\u000D\u001C-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"


def _admits_blank(schema: dict[str, Any]) -> None:
    """The document states the blank that `_blank_is_none` reads as none (JSON's null is the other way)."""
    branches = schema.pop("anyOf", None) or [
        {key: schema.pop(key) for key in list(schema) if key not in ("title", "default", "description")}]
    schema["anyOf"] = [*branches, {"type": "string", "pattern": BLANK_PATTERN}]


def _text(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class Input(RequestModel):
    """Request bodies: the core input rules (strings trimmed, unknown fields ignored as DRF does)."""

    model_config = ConfigDict(defer_build=True)  # validators built on first use: `import app` stays small


class Output(BaseModel):
    """Response bodies (and other plain models), built on first use like the request bodies."""

    model_config = ConfigDict(defer_build=True)


# -- auth ----------------------------------------------------------------------------------
class TokenRequest(Input):
    username: Text = Field(min_length=1, max_length=150)
    password: Text = Field(min_length=1, max_length=256)


class RefreshRequest(Input):
    refresh: Text = Field(min_length=1)


class LoggedOutOut(Output):
    """Body of a successful logout."""

    detail: str


class TokenPairOut(Output):
    access: str
    refresh: str


# -- users ---------------------------------------------------------------------------------
class RegisterRequest(Input):
    username: Username = Field(min_length=3, max_length=150)
    email: EmailAsSent  # answered as sent (core's Email would lower-case the domain)
    role: Role
    manager: RecordId | None = None
    password: Text = Field(min_length=8, max_length=128)
    phone: Annotated[str, Field(max_length=25), PHONE] | None = None

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if value.isdigit():
            raise ValueError("This password is entirely numeric.")
        if len(set(value)) < 4:
            raise ValueError("This password is too common.")
        return value

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> object:
        value = _text(value)
        return None if value == "" else value


class UserOut(Output):
    id: int
    username: str
    email: str
    role: str
    manager: int | None = None


# -- customers -----------------------------------------------------------------------------
class CustomerIn(Input):
    """POST and PUT body (PUT: an omitted or null `customer_code` keeps the current code)."""

    customer_code: Annotated[str, Field(max_length=20), CUSTOMER_CODE] | None = Field(
        None, json_schema_extra=_admits_blank)
    name: Text = Field(min_length=1, max_length=200)
    phone: Phone = Field(max_length=25)
    email: EmailAsSent | None = Field(None, json_schema_extra=_admits_blank)
    assigned_collection_officer: RecordId | None = None
    address_line_1: Text = Field(min_length=1, max_length=255)
    address_line_2: Annotated[str, Field(max_length=255), TEXT] | None = Field(None, json_schema_extra=_admits_blank)
    city: Text = Field(min_length=1, max_length=100)
    state: StateCode
    pincode: Pincode
    date_of_birth: IsoDate | None = None

    @field_validator("customer_code", "email", "address_line_2", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """Blank is none (a code is then generated); any other text is checked as sent, as documented."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("customer_code")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        if value is not None and not _CODE.match(value):
            raise ValueError("Use letters, digits and hyphens only.")
        return value.upper() if value else value

    @field_validator("state", mode="before")
    @classmethod
    def _state_text(cls, value: object) -> object:
        return TEXT.check(value)  # a control character is named as such (core rule), before the codes

    @field_validator("state")
    @classmethod
    def _state(cls, value: str) -> str:
        return value.upper()  # the pattern admitted only the codes' letters

    @field_validator("pincode", mode="before")
    @classmethod
    def _pincode(cls, value: object) -> object:
        value = str(value).strip() if isinstance(value, int | str) else value
        if isinstance(value, str) and not _PINCODE.match(value):
            raise ValueError("Enter a valid 6-digit PIN code.")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _dob(cls, value: date | None) -> date | None:
        from chalicelib.products.repaysync.clock import clock

        if value is not None and (value > clock().today() or value.year < 1900):  # India's today
            raise ValueError("Enter a real date of birth.")
        return value


CustomerPatch = patch_of(CustomerIn)  # PATCH: any subset, each field checked as in a PUT


class CustomerOut(Output):
    id: int
    customer_code: str
    name: str
    phone: str
    email: str | None
    assigned_collection_officer: int | None
    address_line_1: str
    address_line_2: str | None
    city: str
    state: str
    pincode: str
    date_of_birth: date | None


class CustomerRow(CustomerIn):
    """One row of a customer upload (same rules as the API)."""


# -- loans ---------------------------------------------------------------------------------
class LoanIn(Input):
    loan_account_number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9/_-]+$")
    principal_amount: PrincipalAmount
    interest_rate: InterestRate
    loan_type: Text = Field(min_length=1, max_length=50)
    tenure_months: int = Field(ge=1, le=600)
    loan_date: IsoDate
    customer: RecordId


LoanPatch = patch_of(LoanIn)


class LoanOut(Output):
    id: int
    loan_account_number: str
    principal_amount: Money
    interest_rate: Money
    loan_type: str
    tenure_months: int
    loan_date: date
    customer: int


# -- interactions --------------------------------------------------------------------------
class InteractionIn(Input):
    loan: RecordId
    comment: FreeText = Field(default="", max_length=2000)
    disposition: Disposition
    next_call_date: IsoDate | None = None

    @field_validator("comment", mode="before")
    @classmethod
    def _none_is_blank(cls, value: object) -> object:
        return "" if value is None else value


class InteractionUpdate(Input):
    """PUT body: the loan of an interaction never changes (a `loan` field is ignored)."""

    comment: FreeText = Field(default="", max_length=2000)
    disposition: Disposition
    next_call_date: IsoDate | None = None


# Written out rather than `patch_of(InteractionUpdate)`: here a null `comment` clears it to "" and a null
# `disposition` is DRF's "This field may not be null." (checked in the service, after the edit right).
class InteractionPatch(Input):
    comment: Annotated[str, Field(max_length=2000), FREE_TEXT] | None = None
    disposition: Disposition | None = None
    next_call_date: IsoDate | None = None


class InteractionOut(Output):
    id: int
    loan: int
    comment: str
    disposition: str
    timestamp: datetime
    next_call_date: date | None
    created_by: int | None
    interaction_type: str


class InteractionRow(Input):
    """One row of an interaction upload: `loan_id` names the loan; type defaults to field."""

    loan_id: RecordId
    comment: FreeText = Field(default="", max_length=2000)
    disposition: Disposition
    next_call_date: IsoDate | None = None
    interaction_type: InteractionType = "field"

    @field_validator("interaction_type", "disposition", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


# -- uploads and logs ----------------------------------------------------------------------
class RowErrorOut(Output):
    row: int
    errors: dict[str, list[str]]


class BulkUploadOut(Output):
    records_created: int
    errors: list[RowErrorOut]


class DeletedOut(Output):
    """Body of a successful DELETE (the spec answers deletes with 200 OK)."""

    detail: str


class LogOut(Output):
    id: int
    user: int | None
    method: str
    endpoint: str
    request_payload: str
    response_payload: str
    status_code: int
    created_at: datetime


class Deleted(Output):
    detail: str
