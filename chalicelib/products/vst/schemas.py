"""Request and response bodies of VST (pydantic v2), in the spec's field names.

Validation that needs no database lives here (formats, lengths, choices); rules that do (a taken
phone, ownership, scoping) live in services/.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, Strict

from chalicelib.core.decimals import MoneyNumber, money
from chalicelib.core.fields import (
    FREE_TEXT,
    TEXT,
    DayOrInstant,
    IsoDate,
    NewPassword,
    QueryId,
    RecordId,
    RequestModel,
    text_pattern,
)
from chalicelib.core.files.answer import ExportQuery
from chalicelib.core.patch import patch_of
from chalicelib.core.phones import E164

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
Code = Annotated[str, Field(min_length=1, max_length=30), text_pattern(
    r"^[A-Za-z][A-Za-z0-9_-]*$", "Use letters, digits, '-' and '_', starting with a letter.")]
CardType = Code
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
    date_of_installation: IsoDate | None = None
    warranty_start_date: IsoDate | None = None
    warranty_end_date: IsoDate | None = None


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


# -- services (bookings) -------------------------------------------------------------------
STATUSES = ("pending", "scheduled", "assigned", "awaiting_otp", "completed", "cancelled")
Status = Literal["pending", "scheduled", "assigned", "awaiting_otp", "completed", "cancelled"]
Description = Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]
WallTime = Annotated[str, text_pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "Enter a time as HH:MM (24 hours).")]


class ServiceIn(Input):
    """A booking. `service_type` is the server's to decide: "auto" or absent (anything else is 400)."""

    card: RecordId
    description: Description
    service_type: Literal["auto"] | None = None
    preferred_date: IsoDate
    preferred_time: WallTime | None = None
    visit_type: Code = "onsite"


class ServicePatch(Input):
    """What PATCH changes: the description and visit type (admins, the owner, the assigned worker),
    the date (`scheduled_at`: a reschedule) and `status: "cancelled"` (a cancel), by their rules."""

    description: Description | None = None
    visit_type: Code | None = None
    scheduled_at: DayOrInstant | None = None
    status: Literal["cancelled"] | None = None


class AssignIn(Input):
    assigned_to: RecordId
    scheduled_at: DayOrInstant | None = None


class RescheduleIn(Input):
    scheduled_at: DayOrInstant


class StaffOut(BaseModel):
    id: int
    name: str
    phone: str


class MoveOut(BaseModel):
    """One move of the status machine, as the history shows it."""

    action: str
    from_state: str
    to_state: str
    actor: int | None = Field(description="The user who made the move; null for the system (auto-assign).")
    at: datetime


class ServiceOut(BaseModel):
    id: int
    card: int
    customer: int
    description: str
    service_type: Literal["free", "normal"]
    visit_type: str
    preferred_date: date
    preferred_time: str | None = None
    status: Status
    scheduled_at: datetime | None = None
    assigned_to: int | None = None
    otp_requested_at: datetime | None = None
    otp_expires_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class CardDetailOut(CardOut):
    """A card with its service history: the services of it the caller may see, oldest first."""

    services: list[ServiceOut] = []


class BookingOut(ServiceOut):
    next_steps: str


# -- service entries and the OTP completion ----------------------------------------------------
PartCode = Annotated[str, Field(min_length=1, max_length=30), text_pattern(
    r"^[A-Za-z0-9][A-Za-z0-9_./-]*$", "Use letters, digits, '-', '_', '.' and '/'.")]
Amount = money(12, ge=0)


class PartIn(Input):
    code: PartCode
    qty: Annotated[int, Strict(), Field(ge=1, le=1000)]
    price: Amount


class WorkIn(Input):
    """What the worker did: the entry a completion or a staff member writes."""

    work_detail: Description
    parts_replaced: Annotated[list[PartIn], Field(max_length=50)] = []
    amount_charged: Amount = Decimal(0)
    next_service_date: IsoDate | None = None


class ServiceEntryIn(WorkIn):
    service: RecordId


class VerifyOtpIn(WorkIn):
    otp: Annotated[str, text_pattern(r"^[0-9]{4}$", "Enter the 4-digit OTP.")]


class PartOut(BaseModel):
    code: str
    qty: int
    price: MoneyNumber


class ServiceEntryOut(BaseModel):
    id: int
    service: int
    work_detail: str
    parts_replaced: list[PartOut]
    amount_charged: MoneyNumber
    next_service_date: date | None = None
    created_by: int
    created_at: datetime


class ServiceEntryQuery(Input):
    service: QueryId


class OtpSentOut(BaseModel):
    detail: str
    otp: str | None = Field(None, description="Only with CRM_DEV_RETURN_OTP=true (the embedded stack); never in AWS.")


class CompletedOut(BaseModel):
    detail: str
    service: ServiceOut
    entry: ServiceEntryOut


class ServiceDetailOut(ServiceOut):
    """The detail: the service, its assigned staff, its work entries and its moves."""

    assigned_staff: StaffOut | None = None
    entries: list[ServiceEntryOut] = []
    history: list[MoveOut] = []


class ServiceQuery(Input):
    status: Status | None = None
    assigned_to: QueryId | None = None
    card: QueryId | None = None
    from_: IsoDate | None = Field(None, alias="from")
    to: IsoDate | None = None
    order: Literal["scheduled", "created"] = "scheduled"


# -- feedback ------------------------------------------------------------------------------------
class FeedbackIn(Input):
    service: RecordId
    rating: Annotated[int, Strict(), Field(ge=1, le=5)]
    comments: Annotated[str, Field(max_length=2000), FREE_TEXT] | None = None


class FeedbackOut(BaseModel):
    id: int
    service: int
    customer: int
    worker: int | None = None
    rating: int
    comments: str | None = None
    created_at: datetime


class FeedbackQuery(Input):
    service: QueryId | None = None


# -- attendance ----------------------------------------------------------------------------------
Presence = Literal["present", "absent"]


class MarkIn(Input):
    """One worker on one business day (today when `date` is omitted)."""

    user: RecordId
    date: IsoDate | None = None


class MarkedOut(BaseModel):
    detail: str
    attendance_id: int


class BulkMarkIn(Input):
    date: IsoDate | None = None
    present: Annotated[list[RecordId], Field(max_length=200)] = []
    absent: Annotated[list[RecordId], Field(max_length=200)] = []


class BulkMarkedOut(BaseModel):
    detail: str
    present_marked: int
    absent_marked: int


class AttendanceOut(BaseModel):
    id: int
    user: int
    date: date
    status: Presence
    marked_by: int
    created_at: datetime


class MyAttendanceOut(BaseModel):
    date: date
    status: Presence | None = Field(description="None: not marked yet for the day.")


class AttendanceQuery(Input):
    user: QueryId | None = None
    date: IsoDate | None = None
    status: Presence | None = None


# -- reports and utilities -----------------------------------------------------------------------
Month = Annotated[str, text_pattern(r"^[0-9]{4}-(0[1-9]|1[0-2])$", "Enter a month as YYYY-MM.")]


class WarrantyQuery(Input):
    month: Month


class WarrantyRowOut(BaseModel):
    """A free-service milestone of a card in the month, and whether a free service honours it."""

    card: int
    customer: int
    customer_name: str
    model: str
    region: str
    milestone_months: Literal[3, 6, 9]
    due_date: date
    done: bool
    service: int | None = Field(None, description="The free service within 30 days of the milestone, if any.")


class DateRangeQuery(Input):
    from_: IsoDate | None = Field(None, alias="from")
    to: IsoDate | None = None


class ServicesExportQuery(ExportQuery):
    from_: IsoDate | None = Field(None, alias="from")
    to: IsoDate | None = None


class AutoAssignOut(BaseModel):
    detail: str
    job_id: str
    queued: int
