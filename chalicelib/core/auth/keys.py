"""RS256 signing keys kept in the stack's Secrets Manager secret, read-only for Lambdas.

The secret (declared in infra/template.py) holds `{"keys": [{"kid", "pem", "created_at",
"retired_at", "verify_until"}, ...]}`: the newest key that is not retired signs; a retired key keeps
verifying until `verify_until` (its rotation time plus the longest refresh-token lifetime, so every
token it signed has expired by then), then it leaves the JWKS and its tokens are refused.

Lambdas only read the secret. The operator's commands write it (`make bootstrap-admin` and
`make rotate-keys` put the first key, `make rotate-keys` adds the next: `initialise_keys`,
`rotate_keys`); the embedded stack and the tests create it themselves. A stage whose secret holds no
key refuses every token and answers 500 where it would sign one, with a log line saying what to run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from typing import Any

from chalicelib.core import aws
from chalicelib.core.config import get_settings
from chalicelib.core.errors import ApiError
from chalicelib.core.records import Record

# A warm Lambda re-reads the secret this often, so a rotation done elsewhere reaches it (it signs
# with the new key and accepts tokens other containers sign with it).
MAX_AGE_SECONDS = 300
# An unknown kid re-reads the secret at once, but not more often than this (junk tokens are cheap).
RELOAD_AFTER_SECONDS = 10

log = logging.getLogger("crm.keys")


def _now() -> float:
    """Wall-clock seconds; one place for tests to shift time."""
    return time.time()


class SigningKeyMissing(ApiError):
    """The stage's secret holds no signing key: nobody ran the bootstrap yet."""

    status = 500
    default_message = "Internal server error."


class SigningKey(Record, frozen=True):
    kid: str
    pem: str
    created_at: float = 0.0
    retired_at: float | None = None
    verify_until: float | None = None

    def verifies_at(self, now: float) -> bool:
        return self.verify_until is None or now < self.verify_until

    def as_dict(self) -> dict[str, Any]:
        return {"kid": self.kid, "pem": self.pem, "created_at": self.created_at, "retired_at": self.retired_at,
                "verify_until": self.verify_until}

    def private_key(self) -> Any:
        """The key object. A SigningKey comes from `generate_key` or from the stage's own secret, which
        only the operator's commands write, so cryptography's RSA consistency check is skipped
        (`unsafe_skip_rsa_key_validation`, meant for trusted keys): it costs ~30 ms per key, which the
        first request of every cold Lambda paid to verify one token."""
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        return load_pem_private_key(self.pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True)

    def public_jwk(self) -> dict[str, Any]:
        from jwt.algorithms import RSAAlgorithm

        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key().public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return jwk


def generate_key() -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode("ascii")
    return SigningKey(kid=uuid.uuid4().hex[:16], pem=pem, created_at=_now())


def secret_string(keys: list[SigningKey]) -> str:
    return json.dumps({"keys": [key.as_dict() for key in keys]})


def parse_secret(value: str | None) -> list[SigningKey]:
    """The keys in a secret value (an empty or unreadable value holds none)."""
    if not value or not value.strip():
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    if "keys" not in data and isinstance(data.get("current"), dict):  # the first format: one key, kept
        return [SigningKey(kid=data["current"]["kid"], pem=data["current"]["pem"])]
    return [SigningKey(**item) for item in data.get("keys") or []]


def read_keys(client: Any, secret_id: str) -> list[SigningKey]:
    """GetSecretValue only (what a Lambda may do). A secret created empty has no value yet."""
    try:
        value = client.get_secret_value(SecretId=secret_id).get("SecretString")
    except client.exceptions.ResourceNotFoundException:
        return []
    return parse_secret(value)


def current_key(keys: list[SigningKey]) -> SigningKey | None:
    live = [key for key in keys if key.retired_at is None]
    return live[-1] if live else None


# -- the operator's side: writes, with the operator's credentials ---------------------------------
def initialise_keys(client: Any, secret_id: str) -> SigningKey | None:
    """Put a first key into the stack's (empty) secret; None when it already has one."""
    if current_key(read_keys(client, secret_id)) is not None:
        return None
    fresh = generate_key()
    client.put_secret_value(SecretId=secret_id, SecretString=secret_string([fresh]))
    return fresh


def rotate_keys(client: Any, secret_id: str, grace_seconds: int) -> SigningKey:
    """A new current key. The old one is retired now and verifies for `grace_seconds` more (the
    longest refresh-token lifetime); keys whose grace has passed are dropped from the secret."""
    now = _now()
    keys = [key for key in read_keys(client, secret_id) if key.verifies_at(now)]
    retired = [key if key.retired_at is not None else
               SigningKey(key.kid, key.pem, key.created_at, now, now + grace_seconds) for key in keys]
    fresh = generate_key()
    client.put_secret_value(SecretId=secret_id, SecretString=secret_string([*retired, fresh]))
    return fresh


def create_signing_secret(client: Any, secret_id: str) -> None:
    """The embedded stack's stand-in for the stack's secret, with its first key (idempotent)."""
    with contextlib.suppress(client.exceptions.ResourceExistsException):
        client.create_secret(Name=secret_id)
    initialise_keys(client, secret_id)


_derived: dict[tuple[str, bytes], bytes] = {}  # (kid, purpose) -> secret; PEMs never change under a kid


def derived_secret(kid: str, pem: str, purpose: bytes) -> bytes:
    """A 32-byte secret for one purpose (list cursors, one-time codes), derived with HKDF from a signing
    key: no second secret to provision or rotate, and one purpose's secret tells nothing of another's."""
    cached = _derived.get((kid, purpose))
    if cached is None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        cached = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(pem.encode("utf-8"))
        _derived[(kid, purpose)] = cached
    return cached


class KeyRing:
    """The stage's keys as a Lambda sees them: read from the secret, re-read every few minutes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: list[SigningKey] | None = None
        self._loaded_at = 0.0
        self._private: dict[str, Any] = {}
        self._public: dict[str, Any] = {}

    def _secret_id(self) -> str:
        return get_settings().signing_key_secret

    def _load(self) -> list[SigningKey]:
        loaded = self._loaded
        if loaded is None or time.monotonic() - self._loaded_at > MAX_AGE_SECONDS:
            with self._lock:
                if self._loaded is None or time.monotonic() - self._loaded_at > MAX_AGE_SECONDS:
                    self._loaded = read_keys(aws.secrets(), self._secret_id())
                    self._loaded_at = time.monotonic()
                    if current_key(self._loaded) is None:
                        log.error("The signing-key secret %s holds no key: tokens are refused and none are "
                                  "issued. Run `make bootstrap-admin STAGE=<stage>` or `make rotate-keys "
                                  "STAGE=<stage>` with the operator's credentials.", self._secret_id())
                        self._loaded_at -= MAX_AGE_SECONDS - RELOAD_AFTER_SECONDS  # look again soon
                loaded = self._loaded
        return loaded

    def rotate(self, grace_seconds: int) -> SigningKey:
        """The operator's rotation, from this process (tests, the embedded stack)."""
        fresh = rotate_keys(aws.secrets(), self._secret_id(), grace_seconds)
        self.forget()
        return fresh

    def forget(self) -> None:
        self._loaded = None
        self._private.clear()
        self._public.clear()

    @property
    def current(self) -> SigningKey:
        key = current_key(self._load())
        if key is None:
            raise SigningKeyMissing()
        return key

    def verifying(self) -> list[SigningKey]:
        """The keys whose tokens are accepted now, current first."""
        now = _now()
        return [key for key in reversed(self._load()) if key.verifies_at(now)]

    def by_kid(self, kid: str) -> SigningKey | None:
        key = self._find(kid)
        if key is None and kid and time.monotonic() - self._loaded_at >= RELOAD_AFTER_SECONDS:
            self._loaded = None  # perhaps rotated by another process since we read the secret
            key = self._find(kid)
        return key

    def _find(self, kid: str) -> SigningKey | None:
        return next((key for key in self.verifying() if key.kid == kid), None)

    def private_key(self, key: SigningKey) -> Any:
        if key.kid not in self._private:
            self._private[key.kid] = key.private_key()
        return self._private[key.kid]

    def public_key(self, key: SigningKey) -> Any:
        if key.kid not in self._public:
            self._public[key.kid] = self.private_key(key).public_key()
        return self._public[key.kid]

    def jwks(self) -> dict[str, Any]:
        keys = self.verifying()
        if not keys:
            raise SigningKeyMissing()
        return {"keys": [key.public_jwk() for key in keys]}


keyring = KeyRing()
