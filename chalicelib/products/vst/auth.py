"""VST's user store for the core auth flows (core.auth.flows): users log in by phone (E.164).

Login, refresh, lockout and password changes are core's; this file only says where VST's users are.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from chalicelib.core.auth.flows import AuthFlows
from chalicelib.core.auth.principal import Principal
from chalicelib.products.vst.models import PRODUCT, User
from chalicelib.products.vst.services import users


class VstUsers:
    """core.auth.flows.UserStore over VST's users table."""

    login_field = "phone"  # the schema has already normalised it to E.164

    def find_for_login(self, identifier: str) -> User | None:
        return users.find_by_phone(identifier)

    def find_by_subject(self, subject: str) -> User | None:
        return users.find(User, int(subject)) if subject.isascii() and subject.isdigit() else None

    def password_hash(self, user: User) -> str | None:
        return user.password_hash

    def can_log_in(self, user: User) -> bool:
        return True

    def principal_of(self, user: User) -> Principal:
        return users.principal_of(user)

    def tokens_valid_after(self, user: User) -> datetime | None:
        return user.tokens_valid_after

    def set_password(self, user: User, new_hash: str, changed_at: datetime) -> None:
        users.set_password(user, new_hash, changed_at)


@cache
def flows() -> AuthFlows:
    return AuthFlows(PRODUCT, VstUsers())  # core's token lifetimes (core/auth/lifetimes.py)
