"""Request and response bodies of ISP (pydantic v2), in the spec's field names.

Validation that needs no database lives here (formats, lengths, choices); rules that do (a taken
e-mail, who may change whom, scoping) live in services/.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from chalicelib.core.decimals import Money, MoneyNumber, decimal_field, money
from chalicelib.core.fields import (
    FREE_TEXT,
    TEXT,
    Email,
    IsoDate,
    NewPassword,
    QueryId,
    RecordId,
    RequestModel,
    Username,
    text_pattern,
)
from chalicelib.core.files.schemas import RowErrorOut
from chalicelib.core.patch import patch_of
from chalicelib.products.isp.permissions import CODENAMES

Name = Annotated[str, Field(max_length=150), TEXT]
RoleName = Annotated[str, Field(min_length=2, max_length=50), text_pattern(
    r"^[a-z][a-z0-9_]*$", "Use lower-case letters, digits and '_', starting with a letter.")]
Codename = Literal[CODENAMES]  # type: ignore[valid-type]
Search = Annotated[str, Field(min_length=1, max_length=100), TEXT]


class Input(RequestModel):
    """Request bodies: the core input rules (strings trimmed, unknown fields ignored as DRF does)."""


class DetailOut(BaseModel):
    detail: str


# -- auth ----------------------------------------------------------------------------------
class LoginIn(Input):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256), TEXT]


class RefreshIn(Input):
    refresh: Annotated[str, Field(min_length=1, max_length=4096), TEXT]


class RegisterIn(Input):
    """A new user (a sales person), created by someone allowed to create users."""

    email: Email
    username: Annotated[Username, Field(min_length=1, max_length=150)]
    password: NewPassword


class UserBrief(BaseModel):
    id: int
    email: str
    username: str


class LoginOut(BaseModel):
    refresh: str
    access: str
    user: UserBrief


class TokenPairOut(BaseModel):
    """The new access token and, refresh tokens being single use, the next refresh token."""

    access: str
    refresh: str


class MeOut(BaseModel):
    id: int
    email: str
    username: str
    first_name: str
    last_name: str
    role: str  # the role's name, as the spec shows it
    role_id: int
    permissions: list[str]


# -- users ---------------------------------------------------------------------------------
class UserOut(BaseModel):
    id: int
    email: str
    username: str
    first_name: str
    last_name: str
    role: int
    role_name: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class UserEdit(Input):
    """A user as PUT replaces them (the password is not changed here)."""

    email: Email
    username: Annotated[Username, Field(min_length=1, max_length=150)]
    first_name: Name = ""
    last_name: Name = ""
    role: RecordId
    is_active: bool = True


UserPatch = patch_of(UserEdit)


class UserIn(UserEdit):
    """A new user; the role defaults to sales_person."""

    password: NewPassword
    role: RecordId | None = None  # type: ignore[assignment]


UserOrdering = Literal["id", "-id", "created_at", "-created_at"]


class UserQuery(Input):
    role: QueryId | None = None
    role_name: RoleName | None = None
    is_active: bool | None = None
    search: Search | None = None
    ordering: UserOrdering | None = None


# -- roles and permissions -------------------------------------------------------------------
class PermissionOut(BaseModel):
    id: int
    codename: str
    name: str
    module: str


class RoleIn(Input):
    """A role: its name (never changed afterwards), a description and the permissions it grants."""

    name: RoleName
    description: Annotated[str, Field(max_length=500), FREE_TEXT] = ""
    permissions: Annotated[list[Codename], Field(max_length=len(CODENAMES))] = []

    @field_validator("permissions")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


RolePatch = patch_of(RoleIn)


class RoleOut(BaseModel):
    id: int
    name: str
    description: str
    permissions: list[str]
    is_builtin: bool
    created_at: datetime
    updated_at: datetime


class AssignRoleIn(Input):
    role: RoleName


class MenuItemOut(BaseModel):
    id: int
    slug: str
    title: str
    path: str
    icon: str
    order: int
    children: list[MenuItemOut]


# -- prospects and customers ---------------------------------------------------------------------
Phone = Annotated[str, Field(max_length=30), text_pattern(
    r"^(?:[+]?[0-9][0-9 ().-]*)?$",
    "Enter a phone number (or nothing): digits, spaces, '(', ')', '.', '-' and a leading '+'.")]
Address = Annotated[str, Field(max_length=500), FREE_TEXT]
Notes = Annotated[str, Field(max_length=5000), FREE_TEXT]
RecordName = Annotated[str, Field(min_length=1, max_length=200), TEXT]
Amount = money(14, ge=0)
ProspectStatus = Literal["new", "contacted", "qualified", "lost", "converted"]
ProspectSource = Literal["website", "referral", "cold_call", "social_media", "advertisement", "event", "other"]
CustomerStatus = Literal["Active", "Inactive"]
RecordOrdering = Literal["id", "-id", "created_at", "-created_at"]


class ProspectIn(Input):
    """A prospect (POST and PUT). `sales_person` defaults to the caller; only a caller who sees every
    prospect may give it to someone else. `converted` is set by the conversion only."""

    name: RecordName
    company_name: Name = ""
    email: Email | None = None
    phone: Phone = ""
    address: Address = ""
    potential_revenue: Amount | None = None
    contact_person: Name = ""
    source: ProspectSource = "other"
    follow_up_date: IsoDate | None = None
    notes: Notes = ""
    status: ProspectStatus = "new"
    sales_person: RecordId | None = None


ProspectPatch = patch_of(ProspectIn)


class ProspectOut(BaseModel):
    id: int
    name: str
    company_name: str
    email: str | None
    phone: str
    address: str
    potential_revenue: Money | None
    contact_person: str
    source: str
    follow_up_date: date | None
    notes: str
    status: str
    sales_person: int
    customer: int | None
    created_at: datetime
    updated_at: datetime


class ProspectQuery(Input):
    status: ProspectStatus | None = None
    source: ProspectSource | None = None
    sales_person: QueryId | None = None
    search: Search | None = None
    ordering: RecordOrdering | None = None


class ConvertIn(Input):
    """Optional details of the customer a prospect becomes (the rest comes from the prospect)."""

    monthly_revenue: Amount | None = None
    assigned_sales_person: RecordId | None = None


class CustomerIn(Input):
    """A customer (POST and PUT). `assigned_sales_person` defaults to the caller when they see only
    their own customers (they may not name anyone else)."""

    name: RecordName
    company_name: Name = ""
    email: Email
    phone: Phone = ""
    address: Address = ""
    monthly_revenue: Amount | None = None
    potential_revenue: Amount | None = None
    assigned_sales_person: RecordId | None = None
    status: CustomerStatus = "Active"


CustomerPatch = patch_of(CustomerIn)


class SalesPersonOut(BaseModel):
    id: int
    username: str
    email: str


class CustomerOut(BaseModel):
    id: int
    name: str
    company_name: str
    email: str
    phone: str
    address: str
    monthly_revenue: Money | None
    potential_revenue: Money | None
    calculated_monthly_revenue: MoneyNumber
    status: str
    assigned_sales_person: int | None
    assigned_sales_person_details: SalesPersonOut | None
    join_date: date
    leave_date: date | None
    prospect: int | None
    created_at: datetime
    updated_at: datetime


class CustomerQuery(Input):
    assigned_sales_person: QueryId | None = None
    status: CustomerStatus | None = None
    search: Search | None = None
    ordering: RecordOrdering | None = None


# -- bills -------------------------------------------------------------------------------------
Quantity = decimal_field(12, 2, ge=0)
BillStatus = Literal["Active", "Inactive"]
Code = Annotated[str, Field(max_length=100), TEXT]
BillOrdering = Literal["id", "-id", "created_at", "-created_at", "billing_date", "-billing_date"]
LINES = ("iig_qt", "fna", "ggc")  # each line: a quantity and `<line>_price`, the amount for that quantity


class BillIn(Input):
    """A bill (POST and PUT): the lines' quantities and amounts, discount and the amount received;
    `total_bill` and `total_due` are computed (sent values are ignored)."""

    customer: RecordId
    nttn_cap: Code = ""
    nttn_com: Code = ""
    billing_date: IsoDate
    iig_qt: Quantity = Decimal("0")
    iig_qt_price: Amount = Decimal("0")
    fna: Quantity = Decimal("0")
    fna_price: Amount = Decimal("0")
    ggc: Quantity = Decimal("0")
    ggc_price: Amount = Decimal("0")
    discount: Amount = Decimal("0")
    total_received: Amount = Decimal("0")
    status: BillStatus = "Active"
    remarks: Notes = ""


BillPatch = patch_of(BillIn)


class CustomerBrief(BaseModel):
    id: int
    name: str
    email: str


class BillOut(BaseModel):
    id: int
    customer: int
    nttn_cap: str
    nttn_com: str
    billing_date: date
    iig_qt: Money
    iig_qt_price: Money
    fna: Money
    fna_price: Money
    ggc: Money
    ggc_price: Money
    discount: Money
    total_bill: Money
    total_received: Money
    total_due: Money
    status: str
    remarks: str
    customer_details: CustomerBrief | None
    created_at: datetime
    updated_at: datetime


class BillQuery(Input):
    status: BillStatus | None = None
    customer: QueryId | None = None
    billing_date: IsoDate | None = None
    search: Search | None = None
    ordering: BillOrdering | None = None


class CustomerRow(CustomerIn):
    """One row of a customer import: the API's rules. An empty cell keeps the matched customer's value."""


class BillRow(BillIn):
    """One row of a bill import: the API's rules. `id` names an existing bill to change (empty: a new
    bill); the customer is found by `customer_email` (created when missing, named `customer_name`), or
    by `customer` (its id) when no e-mail is given."""

    id: RecordId | None = None
    customer: RecordId | None = None  # type: ignore[assignment]
    customer_email: Email | None = None
    customer_name: RecordName | None = None


class CustomerImportOut(BaseModel):
    success: bool
    processed: int
    created: int
    updated: int
    errors: list[RowErrorOut]


class BillImportOut(BaseModel):
    success: bool
    processed: int
    customers_created: int
    bills_created: int
    bills_updated: int
    errors: list[RowErrorOut]


# -- dashboard ---------------------------------------------------------------------------------
class KpisOut(BaseModel):
    total_revenue: MoneyNumber
    total_revenue_change: float
    total_customers: int
    total_customers_change: float
    active_customers: int
    active_customers_change: float
    collection_rate: float
    collection_rate_change: float


class WeekRevenueOut(BaseModel):
    week: date
    revenue: MoneyNumber


class MonthRevenueOut(BaseModel):
    month: str
    revenue: MoneyNumber


class YearRevenueOut(BaseModel):
    year: int
    revenue: MoneyNumber


class CustomerRevenueOut(BaseModel):
    customer_id: int
    customerName: str
    email: str
    status: str
    joinDate: date
    leaveDate: date | None
    totalRevenue: MoneyNumber
    totalDue: MoneyNumber
    collectionRate: float
    kam: str | None


class KamOut(BaseModel):
    kam: str
    kam_id: int
    total_customers: int
    active_customers: int
    total_revenue: MoneyNumber
    avg_revenue_per_customer: float
