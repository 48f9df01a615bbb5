"""ISP's user store for the core auth flows (core.auth.flows): users log in by e-mail.

Login, refresh, logout, lockout and password changes are core's; this file only says where ISP's users
are. A deactivated user may not log in or refresh (it fails like a wrong password / a revoked token).
Access tokens live 15 minutes: a token names its user's role, so a new role reaches the user's
requests at their next refresh (a change of a role's rights reaches them within a minute).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from chalicelib.core.auth.flows import AuthFlows, UserTableStore
from chalicelib.core.auth.principal import Principal
from chalicelib.products.isp.models import PRODUCT, User
from chalicelib.products.isp.services import users

ACCESS_MINUTES, REFRESH_MINUTES = 15, 24 * 60


class IspUsers(UserTableStore):
    """core.auth.flows.UserStore over ISP's users table."""

    login_field = "email"  # case-insensitive: the e-mail index holds the lower-cased address

    def find_for_login(self, identifier: str) -> User | None:
        return users.find_by_email(identifier)

    def get(self, user_id: int) -> User | None:
        return users.find(User, user_id)

    def principal_of(self, user: User) -> Principal:
        return users.principal_of(user)

    def set_password(self, user: User, new_hash: str, changed_at: datetime) -> None:
        users.set_password(user, new_hash, changed_at)


@cache
def flows() -> AuthFlows:
    return AuthFlows(PRODUCT, IspUsers(), access_minutes=ACCESS_MINUTES, refresh_minutes=REFRESH_MINUTES)
