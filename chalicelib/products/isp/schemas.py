"""Request and response bodies of ISP (pydantic v2), in the spec's field names.

Validation that needs no database lives here (formats, lengths, choices); rules that do (a taken
e-mail, who may change whom, scoping) live in services/.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from chalicelib.core.fields import (
    FREE_TEXT,
    TEXT,
    Email,
    NewPassword,
    QueryId,
    RecordId,
    RequestModel,
    Username,
    text_pattern,
)
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
