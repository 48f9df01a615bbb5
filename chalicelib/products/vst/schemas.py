"""Request and response bodies of VST (pydantic v2), in the spec's field names.

Validation that needs no database lives here (formats, lengths, choices); rules that do (a taken
phone, ownership, scoping) live in services/.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from chalicelib.core.fields import TEXT, NewPassword, QueryId, RecordId, RequestModel, text_pattern
from chalicelib.core.patch import patch_of
from chalicelib.core.phones import E164

ROLES = ("customer", "worker", "admin")
Role = Literal["customer", "worker", "admin"]
# Phones in E.164; a national number (98765 43210) is read as an Indian one, VST's customers being there.
Phone = Annotated[str, E164("IN")]
Name = Annotated[str, Field(min_length=1, max_length=150), TEXT]
Region = Annotated[str, Field(min_length=1, max_length=100), TEXT]
Address = Annotated[str, Field(max_length=500), TEXT]


class Input(RequestModel):
    """Request bodies: the core input rules (strings trimmed, unknown fields ignored as DRF does)."""


# -- auth ----------------------------------------------------------------------------------
class LoginIn(Input):
    phone: Phone
    password: Annotated[str, Field(min_length=1, max_length=256), TEXT]


class RegisterIn(Input):
    """Self-registration: always a customer (a `role` sent is ignored)."""

    name: Name
    phone: Phone
    password: NewPassword
    region: Region | None = None
    address: Address | None = None


class RefreshIn(Input):
    refresh: Annotated[str, Field(min_length=1), TEXT]


class TokenPairOut(BaseModel):
    access: str
    refresh: str


class DetailOut(BaseModel):
    detail: str


# -- users ---------------------------------------------------------------------------------
class UserOut(BaseModel):
    id: int
    name: str
    phone: str
    role: Role
    region: str | None = None
    address: str | None = None


class ProfileIn(Input):
    """What a user may change of themselves: not their role, phone or region (those are ignored)."""

    name: Name
    address: Address | None = None


MePatch = patch_of(ProfileIn)  # omitted: unchanged; `name: null` is 400, `address: null` clears it


class UserIn(Input):
    """A user as an admin edits them."""

    name: Name
    phone: Phone
    role: Role
    region: Region | None = None
    address: Address | None = None


UserPatch = patch_of(UserIn)  # any subset; name, phone and role not null


class PasswordResetIn(Input):
    new_password: NewPassword


class UserQuery(Input):
    phone: Phone | None = None
    role: Role | None = None


# -- cards ---------------------------------------------------------------------------------
CardType = Annotated[str, Field(min_length=1, max_length=30), text_pattern(
    r"^[A-Za-z][A-Za-z0-9_-]*$", "Use letters, digits, '-' and '_', starting with a letter.")]
Pincode = Annotated[str, text_pattern(r"^[1-9][0-9]{5}$", "Enter a valid 6-digit PIN code.")]
Short = Annotated[str, Field(min_length=1, max_length=100), TEXT]


class CardIn(Input):
    """A service card (POST and PUT). `customer` may be omitted by a customer creating their own card;
    `customer_name` defaults to the customer's name."""

    model: Short
    customer: RecordId | None = None
    customer_name: Annotated[str, Field(max_length=150), TEXT] | None = None
    card_type: CardType = "normal"
    region: Region
    address: Address
    city: Short
    postal_code: Pincode
    date_of_installation: date | None = None
    warranty_start_date: date | None = None
    warranty_end_date: date | None = None


CardPatch = patch_of(CardIn)


class CardOut(BaseModel):
    id: int
    model: str
    customer: int
    customer_name: str
    card_type: str
    region: str
    address: str
    city: str
    postal_code: str
    date_of_installation: date | None = None
    warranty_start_date: date | None = None
    warranty_end_date: date | None = None
    created_at: datetime
    updated_at: datetime


class CardQuery(Input):
    customer: QueryId | None = None
    region: Region | None = None
    card_type: CardType | None = None
    search: Annotated[str, Field(min_length=1, max_length=100), TEXT] | None = None
