"""RS256 access and refresh tokens shaped like Amazon Cognito's, with single-use refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pynamodb.exceptions import PutError

from chalicelib.core.auth.keys import keyring
from chalicelib.core.auth.principal import Principal
from chalicelib.core.auth.store import revocation_model
from chalicelib.core.config import get_settings
from chalicelib.core.db.base import utcnow
from chalicelib.core.records import Record


class TokenRejected(Exception):
    """Any reason a token is not accepted; the message is safe to show."""


class TokenNotYours(TokenRejected):
    """A valid refresh token of another user (logout must not end someone else's session)."""


class TokenPair(Record, frozen=True):
    access: str
    refresh: str


# The refresh token's verified claims -> the user's current principal, or None when the user is gone or
# inactive; it may raise TokenRejected (e.g. the token predates a password change).
UserResolver = Callable[[dict[str, Any]], Principal | None]


class TokenService:
    """Issues and verifies the stage's own tokens.

    `resolve_user(claims)` returns the user's current principal (or None when the user is gone or
    inactive); refresh uses it so a rotated token carries the user's current roles, and a token issued
    before a password change can be refused (`iat_ms`, milliseconds, orders it against the change).
    """

    def __init__(self, product: str, access_minutes: int, refresh_minutes: int,
                 resolve_user: UserResolver | None = None) -> None:
        settings = get_settings()
        self.product = product
        self.access_minutes = settings.access_ttl_minutes or access_minutes
        self.refresh_minutes = settings.refresh_ttl_minutes or refresh_minutes
        self.resolve_user = resolve_user
        self.revocations = revocation_model(product)

    def _claims(self, principal: Principal, token_use: str, minutes: int) -> dict[str, Any]:
        settings = get_settings()
        now = utcnow()
        return {
            "sub": principal.subject, "iss": settings.jwt_issuer, "client_id": settings.jwt_client_id,
            "token_use": token_use, "iat": int(now.timestamp()), "iat_ms": int(now.timestamp() * 1000),
            "exp": int((now + timedelta(minutes=minutes)).timestamp()), "auth_time": int(now.timestamp()),
            "jti": uuid.uuid4().hex, "username": principal.username,
            "cognito:groups": sorted(principal.roles),
        }

    def _sign(self, claims: dict[str, Any]) -> str:
        key = keyring.current
        return jwt.encode(claims, keyring.private_key(key), algorithm="RS256", headers={"kid": key.kid})

    def issue(self, principal: Principal, family: str | None = None) -> TokenPair:
        """A new pair. Both tokens carry their `fam`ily (the session): every token rotated from one login
        shares it, so a replayed refresh token or a logout can end the whole chain, access tokens too."""
        family = family or uuid.uuid4().hex
        access = self._claims(principal, "access", self.access_minutes)
        refresh = self._claims(principal, "refresh", self.refresh_minutes)
        access["fam"] = refresh["fam"] = family
        return TokenPair(access=self._sign(access), refresh=self._sign(refresh))

    def verify(self, token: str, token_use: str = "access") -> dict[str, Any]:
        """Signature, expiry, issuer, client id and token use; raises TokenRejected."""
        settings = get_settings()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected("Token is invalid.") from exc
        if header.get("alg") != "RS256":
            raise TokenRejected("Token is invalid.")
        key = keyring.by_kid(str(header.get("kid", "")))
        if key is None:
            raise TokenRejected("Token is invalid.")
        try:
            claims = jwt.decode(token, keyring.public_key(key), algorithms=["RS256"], issuer=settings.jwt_issuer,
                                options={"require": ["exp", "iat", "sub", "iss", "jti"]})
        except jwt.ExpiredSignatureError as exc:
            raise TokenRejected("Token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejected("Token is invalid.") from exc
        if claims.get("client_id") != settings.jwt_client_id or claims.get("token_use") != token_use:
            raise TokenRejected("Token is invalid.")
        return claims

    def rotate(self, refresh_token: str) -> TokenPair:
        """Exchange a refresh token for a new pair; the old one is burnt. A second use of a burnt token
        is taken as theft (OAuth's refresh-token reuse detection): its whole family is revoked."""
        claims = self.verify(refresh_token, "refresh")
        family = _family(claims)
        if self._family_revoked(family):
            raise TokenRejected("Token has been revoked.")
        principal = principal_from_claims(claims)
        if self.resolve_user is not None:
            principal = self.resolve_user(claims)
            if principal is None:
                raise TokenRejected("User is inactive or no longer exists.")
        self._burn(claims, "used")
        return self.issue(principal, family)

    def revoke(self, refresh_token: str, subject: str | None = None) -> None:
        """Logout: every refresh and access token of that login's session can no longer be used.

        `subject`, when given, must own the token (TokenNotYours otherwise); a session already ended is
        refused (TokenRejected), so a second logout with the same token says so."""
        claims = self.verify(refresh_token, "refresh")
        if subject is not None and str(claims["sub"]) != str(subject):
            raise TokenNotYours("You can only log out of your own sessions.")
        family = _family(claims)
        if self._family_revoked(family):
            raise TokenRejected("Token has been revoked.")
        self._revoke_family(family)

    def session_revoked(self, claims: dict[str, Any]) -> bool:
        """Whether an access token's session was ended (logout, or a replayed refresh token): one
        strongly consistent GetItem. Tokens without `fam` (none are issued any more) have no session."""
        family = claims.get("fam")
        return bool(family) and self._family_revoked(str(family))

    def _family_revoked(self, family: str) -> bool:
        try:
            item = self.revocations.get(f"family#{family}", consistent_read=True)
        except self.revocations.DoesNotExist:
            return False
        return item.expires_at is None or item.expires_at > utcnow()  # TTL deletes lazily

    def _revoke_family(self, family: str) -> None:
        """Kept as long as any token of the family can live (TTL then removes it)."""
        expires = utcnow() + timedelta(minutes=max(self.refresh_minutes, self.access_minutes))
        self.revocations(f"family#{family}", reason="family", expires_at=expires).save()

    def _burn(self, claims: dict[str, Any], reason: str) -> None:
        item = self.revocations(claims["jti"], reason=reason,
                                expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC))
        try:
            item.save(condition=self.revocations.jti.does_not_exist())
        except PutError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                self._revoke_family(_family(claims))
                raise TokenRejected("Token has already been used.") from exc
            raise


def _family(claims: dict[str, Any]) -> str:
    return str(claims.get("fam") or claims["jti"])


def issued_before(claims: dict[str, Any], moment: datetime | None) -> bool:
    """Whether the token was issued before `moment` (a password change). Milliseconds: a token issued in
    the same second right after the change stays valid. A token without `iat_ms` counts from its second."""
    if moment is None:
        return False
    issued_ms = claims.get("iat_ms")
    if not isinstance(issued_ms, int):
        issued_ms = int(claims.get("iat", 0)) * 1000
    return issued_ms < int(moment.timestamp() * 1000)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    groups = claims.get("cognito:groups") or []
    username = claims.get("username") or claims.get("cognito:username") or ""
    return Principal(subject=str(claims["sub"]), username=str(username), roles=frozenset(map(str, groups)),
                     issuer=str(claims.get("iss", "")))
