"""Failed-login lockout: N failures lock an identity for M minutes (DynamoDB item with TTL)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.core.auth.store import login_attempts_model
from chalicelib.core.config import get_settings
from chalicelib.core.db.base import utcnow
from chalicelib.core.errors import TooManyRequests


class LoginGuard:
    def __init__(self, product: str) -> None:
        self.model = login_attempts_model(product)

    @staticmethod
    def _key(identity: str) -> str:
        return identity.strip().lower()

    def check(self, identity: str) -> None:
        """Raise 429 while the identity is locked (expired items are ignored: TTL is lazy)."""
        try:
            item = self.model.get(self._key(identity))
        except self.model.DoesNotExist:
            return
        now = utcnow()
        if item.locked_until is not None and item.locked_until > now:
            seconds = int((item.locked_until - now).total_seconds()) + 1
            raise TooManyRequests("Too many failed login attempts; try again later.",
                                  headers={"Retry-After": str(seconds)})

    def failed(self, identity: str) -> None:
        """Count one failure atomically; the Nth failure in the window sets the lock."""
        settings = get_settings()
        now = utcnow()
        window = timedelta(minutes=settings.lockout_minutes)
        item = self.model(self._key(identity))
        try:
            existing = self.model.get(self._key(identity))
            stale = existing.expires_at is not None and existing.expires_at <= now
        except self.model.DoesNotExist:
            stale = True
        if stale:
            item.update(actions=[self.model.failures.set(1), self.model.expires_at.set(now + window),
                                 self.model.locked_until.remove()])
            failures = 1
        else:
            item.update(actions=[self.model.failures.add(1), self.model.expires_at.set(now + window)])
            failures = int(item.failures)
        if failures >= settings.lockout_max_failures:
            item.update(actions=[self.model.locked_until.set(now + window),
                                 self.model.expires_at.set(now + window)])

    def succeeded(self, identity: str) -> None:
        self.model(self._key(identity)).delete()
