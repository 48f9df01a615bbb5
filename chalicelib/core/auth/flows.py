"""Login, refresh, logout, `me` and change password for every product, on the product's user store.

A product implements `UserStore` (how to find a user by its login identifier or token subject, its
password hash, whether it may log in, its principal, and how to store a new password) and builds one
`AuthFlows`; its routes call the flows and render their results in the product's shapes. No product
writes its own login: the lockout (core.auth.lockout), the constant-time password check, token
issue/rotation/revocation and "tokens issued before a password change die" all live here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.core import metrics
from chalicelib.core.auth.lifetimes import ACCESS_MINUTES, REFRESH_MINUTES
from chalicelib.core.auth.principal import Principal
from chalicelib.core.auth.tokens import TokenNotYours, TokenPair, TokenRejected, TokenService, issued_before
from chalicelib.core.errors import Forbidden, TooManyRequests, Unauthorized, ValidationFailed

BAD_CREDENTIALS = "No active account found with the given credentials."
GONE = "User is inactive or no longer exists."
WRONG_PASSWORD = "Wrong password."


class UserStore(Protocol):
    """What a product tells the auth flows about its users (any user object will do)."""

    login_field: str  # what the login identifier is: "username", "email" or "phone" (the product's choice)

    def find_for_login(self, identifier: str) -> Any | None:
        """The user this identifier names (normalised as the product stores it), or None."""

    def find_by_subject(self, subject: str) -> Any | None:
        """The user a token's `sub` names, or None (a foreign subject, a deleted user)."""

    def password_hash(self, user: Any) -> str | None: ...

    def can_log_in(self, user: Any) -> bool:
        """Active (approved, not disabled). A user who may not log in fails exactly like a wrong password."""

    def principal_of(self, user: Any) -> Principal: ...

    def tokens_valid_after(self, user: Any) -> datetime | None:
        """The last password change: refresh tokens issued before it are refused."""

    def set_password(self, user: Any, new_hash: str, changed_at: datetime) -> None:
        """Store the new hash and `changed_at` as the user's tokens-valid-after moment."""


class UserTableStore:
    """The UserStore answers every product gives the same way, over a user model with `password_hash` and
    `tokens_valid_after` attributes and a numeric id as the token's subject. A product subclasses it and
    says only where its users are (`login_field`, `find_for_login`, `get`, `principal_of`,
    `set_password`) and, where it differs, who may log in (`can_log_in`: active users by default)."""

    login_field: str

    def get(self, user_id: int) -> Any | None:
        """The user with this id, or None."""
        raise NotImplementedError

    def find_by_subject(self, subject: str) -> Any | None:
        return self.get(int(subject)) if subject.isascii() and subject.isdigit() else None

    def password_hash(self, user: Any) -> str | None:
        return user.password_hash

    def can_log_in(self, user: Any) -> bool:
        return bool(getattr(user, "is_active", True))

    def tokens_valid_after(self, user: Any) -> datetime | None:
        return user.tokens_valid_after


class AuthFlows:
    """One product's auth flows. Token lifetimes are the product's (the stage's settings override them)."""

    def __init__(self, product: str, store: UserStore, *, access_minutes: int = ACCESS_MINUTES,
                 refresh_minutes: int = REFRESH_MINUTES) -> None:
        self.product = product
        self.store = store
        self.access_minutes = access_minutes
        self.refresh_minutes = refresh_minutes

    @property
    def tokens(self) -> TokenService:
        """The product's TokenService, shared with its authorizer (one per slug and process)."""
        from chalicelib.core.auth.authorizer import token_service

        return token_service(self.product, self.access_minutes, self.refresh_minutes, self.resolve)

    # -- what Product.resolve_user is --------------------------------------------------------------
    def resolve(self, claims: dict[str, Any]) -> Principal | None:
        """A refresh token's claims -> the user's current principal; None when the user is gone or may
        not log in; TokenRejected when the token predates the user's last password change."""
        user = self.store.find_by_subject(str(claims.get("sub", "")))
        if user is None or not self.store.can_log_in(user):
            return None
        if issued_before(claims, self.store.tokens_valid_after(user)):
            raise TokenRejected("Token has been revoked.")
        return self.store.principal_of(user)

    # -- the flows -------------------------------------------------------------------------------
    def login(self, identifier: str, password: str, request: Any) -> TokenPair:
        """Lockout first (429 before any hashing), then one password hash whether or not the user exists,
        then a new session. Any failure is the same 401, so neither existence nor approval leaks."""
        from chalicelib.core.auth import passwords
        from chalicelib.core.auth.lockout import LoginGuard

        guard = LoginGuard(self.product)
        attempt = self._reserve(guard, identifier, request)
        user = self.store.find_for_login(identifier)
        matches = passwords.verify_password(self.store.password_hash(user) if user is not None else None, password)
        if user is None or not matches or not self.store.can_log_in(user):
            guard.failed(attempt)
            metrics.count(self.product, metrics.LOGIN_FAILED)
            raise Unauthorized(BAD_CREDENTIALS)
        guard.succeeded(attempt)
        metrics.count(self.product, metrics.LOGIN_SUCCEEDED)
        return self.tokens.issue(self.store.principal_of(user))

    def _reserve(self, guard: Any, identifier: str, request: Any) -> Any:
        """The lockout's reservation of one attempt; a refusal (429) is counted as LockedOut."""
        from chalicelib.core.auth.lockout import source_address

        try:
            return guard.reserve(identifier, source_address(request))
        except TooManyRequests:
            metrics.count(self.product, metrics.LOCKED_OUT)
            raise

    def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for a refresh token, which is used up; 401 with the reason otherwise."""
        try:
            return self.tokens.rotate(refresh_token)
        except TokenRejected as exc:
            raise Unauthorized(str(exc) or "Token is invalid or expired.") from exc

    def logout(self, refresh_token: str, principal: Principal | None = None) -> None:
        """End the session of this refresh token (its access tokens too). With `principal`, the token
        must be theirs (403). A token not accepted is a 400 on `refresh`, as simplejwt's blacklist says."""
        try:
            self.tokens.revoke(refresh_token, subject=principal.subject if principal else None)
        except TokenNotYours as exc:
            raise Forbidden(str(exc)) from exc
        except TokenRejected as exc:
            raise ValidationFailed({"refresh": [str(exc)]}) from exc

    def me(self, principal: Principal) -> Any:
        """The caller's user record (401 when the token names nobody who may log in)."""
        user = self.store.find_by_subject(principal.subject)
        if user is None or not self.store.can_log_in(user):
            raise Unauthorized(GONE)
        return user

    def change_password(self, principal: Principal, old_password: str, new_password: str,
                        request: Any) -> TokenPair:
        """Check the old password (counted by the lockout like a login, so a stolen access token cannot
        guess it), store the new hash, and refuse every refresh token issued before; a new session's
        pair is returned. Validating the new password's strength is the product's schema's job."""
        from chalicelib.core.auth import passwords
        from chalicelib.core.auth.lockout import LoginGuard
        from chalicelib.core.db.base import utcnow

        user = self.me(principal)
        guard = LoginGuard(self.product)
        attempt = self._reserve(guard, principal.username or principal.subject, request)
        if not passwords.verify_password(self.store.password_hash(user), old_password):
            guard.failed(attempt)
            raise ValidationFailed({"old_password": [WRONG_PASSWORD]})
        guard.succeeded(attempt)
        self.store.set_password(user, passwords.hash_password(new_password), utcnow())
        return self.tokens.issue(self.store.principal_of(user))
