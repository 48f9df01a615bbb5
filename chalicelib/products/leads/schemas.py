"""Request and response bodies of Leads (pydantic v2), snake_case as the spec writes them.

Validation that needs no database lives here (formats, lengths, the status set); rules that do (a
taken username, a sales user that must exist and be active, who sees which lead) live in services/.
Every POST takes a JSON or a form-urlencoded body (core/http.py): ids, flags and id lists read the
same from both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from chalicelib.core.fields import (
    FREE_TEXT,
    TEXT,
    USERNAME_PATTERN,
    Email,
    Flag,
    NewPassword,
    RecordId,
    RequestModel,
)
from chalicelib.products.leads.vocabulary import SALES

Role = Literal["admin", "manager", "sales"]

Status = Literal["NEW", "VALID", "INVALID", "INTERESTED", "NOT_INTERESTED", "FOLLOW_UP", "CONVERTED"]

Name = Annotated[str, Field(max_length=150), TEXT]
Username = Annotated[str, Field(min_length=1, max_length=150, pattern=USERNAME_PATTERN)]
Search = Annotated[str, Field(min_length=1, max_length=100), TEXT]
Notes = Annotated[str, Field(max_length=2000), FREE_TEXT]
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
LeadId = Annotated[str, Field(pattern=UUID_PATTERN), AfterValidator(str.lower)]
MAX_IDS = 1000  # leads one bulk or random assignment takes (its queue message stays far below 256 KB)


def _one_or_many(value: Any) -> Any:
    """A form repeats a field for a list (`customer_ids=a&customer_ids=b`); sent once, it is one value."""
    return [value] if isinstance(value, str) else value


LeadIds = Annotated[list[LeadId], Field(min_length=1, max_length=MAX_IDS), BeforeValidator(_one_or_many)]


class Input(RequestModel):
    """Request bodies and queries: strings trimmed, unknown fields ignored."""


# -- auth ----------------------------------------------------------------------------------------
class LoginIn(Input):
    username: Annotated[str, Field(min_length=1, max_length=150), TEXT]
    password: Annotated[str, Field(min_length=1, max_length=256), TEXT]


class RefreshIn(Input):
    refresh: Annotated[str, Field(min_length=1, max_length=4096), TEXT]


class UserOut(BaseModel):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    date_joined: datetime


class LoginOut(BaseModel):
    access: str = Field(description="The access token (a JWT): send it as `Authorization: Bearer <access>`.")
    refresh: str = Field(description="The refresh token: POST it to /token/refresh/ for a new pair, "
                                     "or to /logout/ to end the session.")
    user: UserOut


class RefreshOut(BaseModel):
    access: str
    refresh: str = Field(description="The next refresh token: the one sent is used up (rotation).")


class SuccessOut(BaseModel):
    success: bool


# -- users (admins and managers manage them) -------------------------------------------------------
class UserIn(Input):
    username: Username
    password: NewPassword
    role: Role = Field(default=SALES, description="A manager may create `sales` users only.")
    email: Email | None = None
    first_name: Name = ""
    last_name: Name = ""


class UserPatch(Input):
    email: Email | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    role: Role | None = Field(default=None, description="Admins only.")
    is_active: Flag | None = None
    password: NewPassword | None = None


class UserQuery(Input):
    role: Role | None = Field(default=None, description="Only users of this role (a manager lists sales users).")


# -- customers (leads) ---------------------------------------------------------------------------
class CustomerQuery(Input):
    status: Status | None = None
    search: Search | None = Field(default=None, description="Words starting the lead's name, area or phone "
                                                            "number (at least one of 3+ letters or digits).")


class AssigneeOut(BaseModel):
    id: int
    username: str


class CustomerOut(BaseModel):
    id: str
    name: str
    phone_number: str
    area: str
    date: str | None
    status: Status
    status_display: str
    assigned_to: AssigneeOut | None
    created_at: datetime
    updated_at: datetime


class HistoryOut(BaseModel):
    previous_status: str
    new_status: str
    changed_by: str
    changed_at: datetime
    notes: str


class CustomerDetailOut(CustomerOut):
    status_history: list[HistoryOut] = Field(description="Every status change, oldest first.")


class StatusIn(Input):
    status: Status
    notes: Notes = ""


class StatusOut(BaseModel):
    success: bool
    status: Status
    status_display: str


# -- assignment ----------------------------------------------------------------------------------
class AssignIn(Input):
    sales_user: RecordId = Field(description="The id of an active sales user.")


class AssignOut(BaseModel):
    success: bool
    assigned_to: str = Field(description="The sales user's username.")


class BulkAssignIn(Input):
    customer_ids: LeadIds
    sales_user: RecordId = Field(description="The id of an active sales user.")


class RandomAssignIn(Input):
    customer_ids: LeadIds


class AssignmentCount(BaseModel):
    sales_user: AssigneeOut
    count: int


class AssignmentOut(BaseModel):
    success: bool
    assigned: int = Field(description="Leads that changed hands.")
    unchanged: int = Field(description="Bulk: leads the sales user already had.")
    skipped: int = Field(description="Random: leads someone already has (left with them).")
    not_found: list[str] = Field(description="Ids that name no lead.")
    assignments: list[AssignmentCount] = Field(description="Who got how many.")


class JobStartedOut(BaseModel):
    success: bool
    job_id: str = Field(description="Read its progress at /jobs/{job_id}/.")
    status: str
    total: int
