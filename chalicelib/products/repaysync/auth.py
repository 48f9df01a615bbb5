"""RepaySync's user store for the core auth flows (core.auth.flows): users log in by username.

Login, refresh, logout, lockout and password changes are core's; this file only says where RepaySync's
users are. A self-registered account waiting for approval may not log in (it fails like a wrong password).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from chalicelib.core.auth.flows import AuthFlows, UserTableStore
from chalicelib.core.auth.principal import Principal
from chalicelib.products.repaysync import services
from chalicelib.products.repaysync.models import PRODUCT, User


class RepaySyncUsers(UserTableStore):
    """core.auth.flows.UserStore over RepaySync's users table."""

    login_field = "username"  # case-insensitive: the username index holds the lower-cased name

    def find_for_login(self, identifier: str) -> User | None:
        return services.find_user(identifier)

    def get(self, user_id: int) -> User | None:
        return services.find(User, user_id)

    def can_log_in(self, user: User) -> bool:
        return user.kind == services.ACTIVE

    def principal_of(self, user: User) -> Principal:
        return services.principal_of(user)

    def set_password(self, user: User, new_hash: str, changed_at: datetime) -> None:
        user.update(actions=[User.password_hash.set(new_hash), User.tokens_valid_after.set(changed_at)])


@cache
def flows() -> AuthFlows:
    return AuthFlows(PRODUCT, RepaySyncUsers())  # core's token lifetimes (core/auth/lifetimes.py)
