"""VST's user store for the core auth flows (core.auth.flows): users log in by phone (E.164).

Login, refresh, lockout and password changes are core's; this file only says where VST's users are.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from chalicelib.core.auth.flows import AuthFlows, UserTableStore
from chalicelib.core.auth.principal import Principal
from chalicelib.products.vst.models import PRODUCT, User
from chalicelib.products.vst.services import users


class VstUsers(UserTableStore):
    """core.auth.flows.UserStore over VST's users table."""

    login_field = "phone"  # the schema has already normalised it to E.164

    def find_for_login(self, identifier: str) -> User | None:
        return users.find_by_phone(identifier)

    def get(self, user_id: int) -> User | None:
        return users.find(User, user_id)

    def can_log_in(self, user: User) -> bool:
        return True

    def principal_of(self, user: User) -> Principal:
        return users.principal_of(user)

    def set_password(self, user: User, new_hash: str, changed_at: datetime) -> None:
        users.set_password(user, new_hash, changed_at)


@cache
def flows() -> AuthFlows:
    return AuthFlows(PRODUCT, VstUsers())  # core's token lifetimes (core/auth/lifetimes.py)
