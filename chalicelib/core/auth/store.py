"""Tables behind auth: used/revoked refresh tokens and failed-login counters (both expire by TTL)."""

from __future__ import annotations

from functools import cache

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.core.db.base import meta


@cache
def revocation_model(product: str) -> type[Model]:
    class RevokedToken(Model):
        """A refresh token's jti once used or revoked; kept until the token would have expired."""

        Meta = meta("revoked-tokens", product)
        jti = UnicodeAttribute(hash_key=True)
        reason = UnicodeAttribute(default="used")
        expires_at = TTLAttribute()

    RevokedToken.__name__ = f"{product.title()}RevokedToken"
    return RevokedToken


@cache
def login_attempts_model(product: str) -> type[Model]:
    class LoginAttempts(Model):
        """Failed logins of one identity in the current window."""

        Meta = meta("login-attempts", product)
        identity = UnicodeAttribute(hash_key=True)
        failures = NumberAttribute(default=0)
        locked_until = UTCDateTimeAttribute(null=True)
        expires_at = TTLAttribute(null=True)

    LoginAttempts.__name__ = f"{product.title()}LoginAttempts"
    return LoginAttempts
