"""Request and response bodies of RevisBali (pydantic v2), camelCase on the wire (core.wire).

Validation that needs no database lives here (formats, lengths, choices); rules that do (a taken
e-mail, an unknown country, ownership) live in services/.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool

from chalicelib.core.fields import TEXT, Email, NewPassword, QueryId, RecordId, RequestModel
from chalicelib.core.patch import patch_of
from chalicelib.core.phones import E164Phone
from chalicelib.core.wire import WireModel

Name = Annotated[str, Field(min_length=1, max_length=100), TEXT]
Search = Annotated[str, Field(min_length=1, max_length=100), TEXT]
CustomerType = Literal["individual", "company"]
CustomerOrdering = Literal["firstName", "-firstName", "lastName", "-lastName", "createdAt", "-createdAt"]


class Input(WireModel, RequestModel):
    """Request bodies and queries: camelCase (or the Python names), strings trimmed, unknown fields ignored."""


# -- auth ----------------------------------------------------------------------------------------
class LoginIn(Input):
    username: Annotated[str, Field(min_length=1, max_length=254), TEXT]  # the user's e-mail address
    password: Annotated[str, Field(min_length=1, max_length=256), TEXT]


class RefreshIn(Input):
    refresh: Annotated[str, Field(min_length=1, max_length=4096), TEXT]


class UserBrief(WireModel):
    id: int
    email: str
    first_name: str
    last_name: str
    role: str


class LoginOut(WireModel):
    token: str = Field(description="The access token (a JWT): send it as `Authorization: Bearer <token>`.")
    refresh: str = Field(description="The refresh token: POST it to /api/token/refresh/ for a new access token.")
    user: UserBrief


class RefreshOut(WireModel):
    access: str
    refresh: str = Field(description="The next refresh token: the one sent is used up (rotation).")


# -- users (the admin's management of staff and agents) -------------------------------------------
ManagedRole = Literal["staff", "agent"]


class UserIn(Input):
    email: Email
    first_name: Name
    last_name: Name
    role: ManagedRole
    password: NewPassword


class UserPatch(Input):
    first_name: Name | None = None
    last_name: Name | None = None
    role: ManagedRole | None = None
    is_active: StrictBool | None = None  # JSON true/false only: 0 or "no" is a 400
    password: NewPassword | None = None


class UserQuery(Input):
    role: Literal["admin", "staff", "agent"] | None = None


class UserOut(WireModel):
    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    is_active: bool
    created_at: datetime


# -- countries -----------------------------------------------------------------------------------
class CountryOut(WireModel):
    id: int = Field(description="ISO 3166-1 numeric code.")
    name: str
    code: str = Field(description="ISO 3166-1 alpha-2 code.")


# -- customers -----------------------------------------------------------------------------------
def _iso_country_ids(schema: dict[str, Any]) -> None:
    """The document lists the countries (fixed ISO 3166-1 reference data, seeded into the stage's table),
    read from the file when the document is generated, never on a request."""
    from chalicelib.products.revisbali.services.countries import iso_countries

    schema["enum"] = sorted(numeric for numeric, _code, _name in iso_countries())


class CustomerIn(Input):
    first_name: Name
    last_name: Name
    email: Email
    phone_number: E164Phone | None = None
    customer_type: CustomerType
    country_id: RecordId = Field(json_schema_extra=_iso_country_ids)
    agent_id: RecordId | None = None


CustomerPatch = patch_of(CustomerIn)


class CustomerQuery(Input):
    search: Search | None = Field(default=None, description="Words starting a firstName, lastName or email.")
    ordering: CustomerOrdering | None = None


class AgentOut(WireModel):
    id: int
    name: str


class CustomerOut(WireModel):
    id: int
    first_name: str
    last_name: str
    email: str
    phone_number: str | None
    customer_type: CustomerType
    country: CountryOut | None
    agent: AgentOut | None
    created_at: datetime
    updated_at: datetime


class ApplicationBrief(WireModel):
    id: int
    application_number: str
    status: str
    created_at: datetime


class CustomerDetailOut(CustomerOut):
    applications: list[ApplicationBrief] = Field(default_factory=list)



# -- applications ----------------------------------------------------------------------------------
ShortText = Annotated[str, Field(min_length=1, max_length=50), TEXT]


class ApplicationIn(Input):
    customer_id: RecordId
    application_type: ShortText
    visa_type: ShortText | None = None
    duration: Annotated[int, Field(ge=1, le=3650)] | None = Field(default=None, description="Days of stay.")
    purpose: Annotated[str, Field(max_length=1000), TEXT] | None = None


ApplicationStatus = Literal["draft", "submitted", "processing", "approved", "rejected", "cancelled"]
Ordering = Literal["createdAt", "-createdAt"]


class ApplicationChange(Input):
    """PUT body: the application's own fields (its customer never changes); `status` moves it."""

    application_type: ShortText
    visa_type: ShortText | None = None
    duration: Annotated[int, Field(ge=1, le=3650)] | None = Field(default=None, description="Days of stay.")
    purpose: Annotated[str, Field(max_length=1000), TEXT] | None = None
    status: ApplicationStatus | None = Field(
        default=None, description="The status to move to: draft -> submitted -> processing -> approved or "
                                  "rejected (rejected from submitted too); cancelled from any open status. "
                                  "processing, approved and rejected are for staff and admins.")


ApplicationPatch = patch_of(ApplicationChange)


class ApplicationQuery(Input):
    status: ApplicationStatus | None = None
    customer_id: QueryId | None = Field(default=None, description="One customer's applications.")
    ordering: Ordering | None = Field(default=None, description="Creation order (default `-createdAt`).")


class ApplicationOut(WireModel):
    id: int
    application_number: str
    customer_id: int
    application_type: str
    visa_type: str | None
    duration: int | None
    purpose: str | None
    status: str
    created_at: datetime
    updated_at: datetime


class CustomerBrief(WireModel):
    id: int
    first_name: str
    last_name: str
    email: str


class DocumentBrief(WireModel):
    id: int
    document_type: str
    file_name: str
    uploaded_at: datetime
    ocr_status: str
    ocr_job_id: str | None


class ApplicationDetailOut(WireModel):
    id: int
    application_number: str
    customer: CustomerBrief
    application_type: str
    visa_type: str | None
    duration: int | None
    purpose: str | None
    status: str
    documents: list[DocumentBrief]
    created_at: datetime
    updated_at: datetime
