"""One-time codes (an OTP a customer reads out to confirm a visit): made, kept only as a keyed hash
with an expiry, checked with a limited number of attempts.

- **The code** is `digits` random decimal digits from `secrets`.
- **The hash** is HMAC-SHA256 of the code bound to its `subject` (what it confirms, and when it was
  issued: `service#12#<issued at>`), keyed by a key derived with HKDF from the stage's token signing
  key (as list cursors are, core/cursors.py): no second secret to provision, and a stolen table holds
  no code, since 10,000 guesses offline need the key. The stored form names the signing key's id
  (`<kid>$<hex>`), so a code issued before a key rotation still checks while that key verifies.
- **Attempts** go through core's attempts guard (the login lockout's counter, `RateLimiter`): each
  check reserves an attempt before comparing, atomically, so parallel guesses cannot exceed the limit;
  once `limit` attempts were made for a subject the code is void, right or wrong.

The code itself is never logged. Whoever delivers it (an SMS job) carries it only as far as the SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from chalicelib.core.auth.lockout import RateLimiter
from chalicelib.core.records import Record

_INFO = b"crm/one-time-code/v1"


def _key(kid: str, pem: str, product: str) -> bytes:
    from chalicelib.core.auth.keys import derived_secret

    return derived_secret(kid, pem, _INFO + b"/" + product.encode("utf-8"))


def _mac(key: bytes, subject: str, code: str) -> str:
    return hmac.new(key, f"{subject}\x00{code}".encode(), hashlib.sha256).hexdigest()


class IssuedCode(Record, frozen=True):
    code: str  # to deliver, never to store or log
    digest: str  # to store
    expires_at: datetime


class OneTimeCodes(Record, frozen=True):
    """A product's one-time codes: `digits` long, valid `ttl`, at most `attempts` checks per code."""

    product: str
    digits: int = 4
    ttl: timedelta = timedelta(minutes=10)
    attempts: int = 5

    def issue(self, subject: str, now: datetime) -> IssuedCode:
        from chalicelib.core.auth.keys import keyring

        key = keyring.current
        code = f"{secrets.randbelow(10 ** self.digits):0{self.digits}d}"
        digest = f"{key.kid}${_mac(_key(key.kid, key.pem, self.product), subject, code)}"
        return IssuedCode(code, digest, now + self.ttl)

    def matches(self, subject: str, code: str, digest: str) -> bool:
        """Whether `code` is the one hashed as `digest` for `subject` (constant time)."""
        from chalicelib.core.auth.keys import keyring

        kid, _, mac = digest.partition("$")
        key = keyring.by_kid(kid)
        if key is None or not mac:
            return False
        return hmac.compare_digest(mac, _mac(_key(key.kid, key.pem, self.product), subject, code))

    def take_attempt(self, subject: str) -> bool:
        """Reserve one check of `subject`'s code; False once its attempts are used up (the code is void)."""
        return RateLimiter(self.product, "one-time-code").take(subject, self.attempts, self.ttl)
