"""Leads' user store for the core auth flows (core.auth.flows): users log in by username.

Login, refresh, logout, lockout and password changes are core's; this file only says where Leads'
users are. A deactivated user may not log in or refresh (it fails like a wrong password / a revoked token).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from chalicelib.core.auth.flows import AuthFlows, UserTableStore
from chalicelib.core.auth.principal import Principal
from chalicelib.products.leads.models import PRODUCT, User
from chalicelib.products.leads.services import users


class LeadsUsers(UserTableStore):
    """core.auth.flows.UserStore over Leads' users table."""

    login_field = "username"  # case-insensitive: the username guard holds the lower-cased name

    def find_for_login(self, identifier: str) -> User | None:
        return users.find_by_username(identifier)

    def get(self, user_id: int) -> User | None:
        return users.get(user_id)

    def principal_of(self, user: User) -> Principal:
        return users.principal_of(user)

    def set_password(self, user: User, new_hash: str, changed_at: datetime) -> None:
        users.set_password(user, new_hash, changed_at)


@cache
def flows() -> AuthFlows:
    return AuthFlows(PRODUCT, LeadsUsers())  # core's token lifetimes (core/auth/lifetimes.py)
