"""ISP tables, with a GSI for every list (no Scan on a request path).

Roles: `all-index` (kind, id) lists them, `name-index` finds one by name (the permission cache, assign
by name). Users: `all-index` (kind, id), `role-index` (role id, id) one role's users, `email-index`
(lower-cased e-mail) the login.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.core.db.base import BaseModel, meta
from chalicelib.core.db.indexes import gsi

PRODUCT = "isp"


class Role(BaseModel):
    """A role and the permission names it grants. Built-in roles are never renamed or deleted."""

    Meta = meta("roles", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="role")
    name = UnicodeAttribute()  # unique (a guard item); never changes: tokens name roles by it
    description = UnicodeAttribute(default="")
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    builtin = BooleanAttribute(default=False)

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    name_index = gsi("name-index", "name", None, UnicodeAttribute)


class User(BaseModel):
    Meta = meta("users", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="user")
    email = UnicodeAttribute()  # as sent (domain lower-cased); unique case-insensitively (a guard item)
    email_key = UnicodeAttribute()  # lower-cased: the login
    username = UnicodeAttribute()  # unique case-insensitively (a guard item)
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    role = NumberAttribute()
    role_name = UnicodeAttribute()  # the role's name, which tokens carry (role names never change)
    is_active = BooleanAttribute(default=True)
    password_hash = UnicodeAttribute()
    tokens_valid_after = UTCDateTimeAttribute(null=True)  # refresh tokens issued before are refused

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    role_index = gsi("role-index", "role", "id", NumberAttribute)
    email_index = gsi("email-index", "email_key", None, UnicodeAttribute)


MODELS: list[type[BaseModel]] = [Role, User]
