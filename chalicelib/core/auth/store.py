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
        """Login attempts of one key in its window: `addr#<username>#<address>`, `user#<username>`,
        or another counter (`rate#...`). `next_at` spaces attempts once a username passes its ceiling."""

        Meta = meta("login-attempts", product)
        identity = UnicodeAttribute(hash_key=True)
        failures = NumberAttribute(default=0)
        next_at = UTCDateTimeAttribute(null=True)
        expires_at = TTLAttribute(null=True)

    LoginAttempts.__name__ = f"{product.title()}LoginAttempts"
    return LoginAttempts
