"""Login throttling that parallel guesses cannot outrun and a stranger cannot turn into a lockout.

Two counters, both DynamoDB items with TTL in the product's login-attempts table:

- per (username, source address): `lockout_max_failures` (5) attempts in a sliding
  `lockout_minutes` (15) window, then 429 until the window has passed. A stranger locks only their
  own address out; the owner at another address still logs in.
- per username over all addresses: up to `lockout_user_ceiling` (50) attempts in a sliding
  `lockout_user_window_minutes` (24 h) window go through; past it each further attempt must wait
  `lockout_backoff_seconds` (2 s) doubled per attempt, at most `lockout_backoff_max_seconds` (300 s),
  which stops guessing spread over many addresses.

An attempt is *reserved* with a conditional update before the password is checked, so 40 parallel
guesses check at most 5 passwords; a reservation stands as a failure unless the login succeeds.
The source address is API Gateway's `requestContext.identity.sourceIp`, never a client header.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core.auth.store import login_attempts_model
from chalicelib.core.config import get_settings
from chalicelib.core.db.base import utcnow
from chalicelib.core.errors import TooManyRequests
from chalicelib.core.records import Record

LOCKED = "Too many failed login attempts; try again later."


def source_address(request: Any) -> str:
    """The caller's address as API Gateway saw the connection (X-Forwarded-For is client-controlled)."""
    identity = ((getattr(request, "context", None) or {}).get("identity")) or {}
    return str(identity.get("sourceIp") or "unknown")


def _refused(until: datetime | None, now: datetime, message: str) -> TooManyRequests:
    seconds = max(1, int(((until or now) - now).total_seconds() + 0.999))
    return TooManyRequests(message, headers={"Retry-After": str(seconds)})


def _failed_condition(exc: UpdateError) -> bool:
    return getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException"


class Attempt(Record, frozen=True):
    """A reserved login attempt: what `succeeded` must undo."""

    username: str
    address: str


class LoginGuard:
    def __init__(self, product: str) -> None:
        self.model = login_attempts_model(product)

    @staticmethod
    def _name(username: str) -> str:
        return username.strip().lower()

    def reserve(self, username: str, address: str) -> Attempt:
        """Count this attempt before the password is checked; 429 with Retry-After when it may not run."""
        attempt = Attempt(self._name(username), address)
        now = utcnow()
        settings = get_settings()
        address_key = f"addr#{attempt.username}#{address}"
        if not self._take(address_key, settings.lockout_max_failures,
                          timedelta(minutes=settings.lockout_minutes), now, sliding=True):
            raise _refused(self._expiry(address_key), now, LOCKED)
        try:
            self._reserve_user(attempt.username, now)
        except TooManyRequests:
            self._give_back(address_key)  # not checked: it must not count against this address
            raise
        return attempt

    def failed(self, attempt: Attempt) -> None:
        """Nothing to undo: the reservation already counted this failure (kept for readable call sites)."""

    def succeeded(self, attempt: Attempt) -> None:
        """The right password: the address starts afresh and this attempt no longer counts for the name."""
        self.model(f"addr#{attempt.username}#{attempt.address}").delete()
        self._give_back(f"user#{attempt.username}")

    # -- counters ------------------------------------------------------------------------------
    def _take(self, key: str, limit: int, window: timedelta, now: datetime, *, sliding: bool) -> bool:
        """Atomically count one against `limit` in the window; False when the limit is reached.

        Two conditional writes: add to a live window, or start a new one where there is none. A
        parallel caller can start the window between them, so a lost start goes round again (a
        lost add means the live count is at the limit)."""
        m = self.model
        item = m(key)
        bump = [m.failures.add(1)] + ([m.expires_at.set(now + window)] if sliding else [])
        for _ in range(3):
            try:
                item.update(actions=bump, condition=(m.failures < limit) & (m.expires_at > now))
                return True
            except UpdateError as exc:
                if not _failed_condition(exc):
                    raise
            try:  # no item yet, or one left over from a finished window (TTL deletes lazily)
                item.update(actions=[m.failures.set(1), m.expires_at.set(now + window), m.next_at.remove()],
                            condition=m.identity.does_not_exist() | (m.expires_at <= now))
                return limit >= 1
            except UpdateError as exc:
                if not _failed_condition(exc):
                    raise
        return False

    def _reserve_user(self, username: str, now: datetime) -> None:
        """The per-username ceiling: free below it, then spaced out with a growing delay."""
        settings = get_settings()
        m, key = self.model, f"user#{username}"
        window = timedelta(minutes=settings.lockout_user_window_minutes)
        ceiling = settings.lockout_user_ceiling
        for _ in range(3):  # past the ceiling, optimistic: the count read is the count written over
            if self._take_below(key, ceiling - 1, window, now):
                return
            try:
                item = m.get(key, consistent_read=True)
            except m.DoesNotExist:
                item = None
            if item is None or item.expires_at is None or item.expires_at <= now:
                if self._take(key, max(ceiling, 1), window, now, sliding=True):
                    return
                continue
            if int(item.failures) < ceiling - 1:
                continue  # still below the ceiling (the cheap path lost only to a window starting): add again
            if item.next_at is not None and item.next_at > now:
                raise _refused(item.next_at, now, LOCKED)
            count = int(item.failures) + 1
            delay = self._delay(count - ceiling)
            actions = [m.failures.set(count), m.expires_at.set(now + window)]
            actions.append(m.next_at.set(now + delay) if delay else m.next_at.remove())
            try:
                m(key).update(actions=actions, condition=m.failures == item.failures)
                return
            except UpdateError as exc:
                if not _failed_condition(exc):
                    raise
        raise _refused(None, now, LOCKED)  # lost three races in a row: the name is under heavy fire

    def _take_below(self, key: str, below: int, window: timedelta, now: datetime) -> bool:
        """The cheap path: one atomic add while the live count stays under `below` + 1."""
        m = self.model
        try:
            m(key).update(actions=[m.failures.add(1), m.expires_at.set(now + window)],
                          condition=(m.failures < below) & (m.expires_at > now))
            return True
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
            return False

    @staticmethod
    def _delay(past_ceiling: int) -> timedelta:
        """0 below the ceiling; base, 2 x base, 4 x base ... from the ceiling on, capped."""
        if past_ceiling < 0:
            return timedelta(0)
        settings = get_settings()
        seconds = settings.lockout_backoff_seconds * 2 ** min(past_ceiling, 30)
        return timedelta(seconds=min(seconds, settings.lockout_backoff_max_seconds))

    def _give_back(self, key: str) -> None:
        m = self.model
        try:
            m(key).update(actions=[m.failures.add(-1)], condition=m.failures > 0)
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise

    def _expiry(self, key: str) -> datetime | None:
        try:
            return self.model.get(key).expires_at
        except self.model.DoesNotExist:
            return None


class RateLimiter:
    """A fixed-window counter per key (e.g. public registrations per source address): 429 past `limit`."""

    def __init__(self, product: str, name: str) -> None:
        self.guard = LoginGuard(product)
        self.name = name

    def take(self, key: str, limit: int, window: timedelta) -> bool:
        """Count one use of `key`; False (and nothing counted) once `limit` uses were made in the window."""
        return self.guard._take(f"rate#{self.name}#{key}", limit, window, utcnow(), sliding=False)

    def hit(self, key: str, limit: int, window: timedelta, message: str) -> None:
        now = utcnow()
        item_key = f"rate#{self.name}#{key}"
        if not self.guard._take(item_key, limit, window, now, sliding=False):
            raise _refused(self.guard._expiry(item_key), now, message)
