"""RS256 signing keys kept in Secrets Manager, with the previous key published during rotation.

The secret holds `{"current": {"kid", "pem"}, "previous": {...} | null}`. A stage that has none yet
gets one generated on first use (a concurrent first use re-reads the winner's key).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from chalicelib.core import aws
from chalicelib.core.config import get_settings

# A warm Lambda re-reads the secret this often, so a rotation done elsewhere reaches it (it signs
# with the new key and accepts tokens other containers sign with it).
MAX_AGE_SECONDS = 300
# An unknown kid re-reads the secret at once, but not more often than this (junk tokens are cheap).
RELOAD_AFTER_SECONDS = 10


@dataclass(frozen=True)
class SigningKey:
    kid: str
    pem: str

    def private_key(self) -> Any:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        return load_pem_private_key(self.pem.encode("ascii"), password=None)

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
    return SigningKey(kid=uuid.uuid4().hex[:16], pem=pem)


class KeyRing:
    """The stage's current and previous keys, read once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: tuple[SigningKey, SigningKey | None] | None = None
        self._loaded_at = 0.0
        self._private: dict[str, Any] = {}

    def _secret_id(self) -> str:
        return get_settings().signing_key_secret

    def _load(self) -> tuple[SigningKey, SigningKey | None]:
        loaded = self._loaded
        if loaded is None or time.monotonic() - self._loaded_at > MAX_AGE_SECONDS:
            with self._lock:
                if self._loaded is None or time.monotonic() - self._loaded_at > MAX_AGE_SECONDS:
                    self._loaded = self._read_or_create()
                    self._loaded_at = time.monotonic()
                loaded = self._loaded
        return loaded

    def _read_or_create(self) -> tuple[SigningKey, SigningKey | None]:
        client = aws.secrets()
        try:
            value = client.get_secret_value(SecretId=self._secret_id())["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            fresh = generate_key()
            body = json.dumps({"current": {"kid": fresh.kid, "pem": fresh.pem}, "previous": None})
            try:
                client.create_secret(Name=self._secret_id(), SecretString=body)
                value = body
            except client.exceptions.ResourceExistsException:
                value = client.get_secret_value(SecretId=self._secret_id())["SecretString"]
        data = json.loads(value)
        previous = data.get("previous")
        return (SigningKey(**data["current"]), SigningKey(**previous) if previous else None)

    def rotate(self) -> SigningKey:
        """Make a new current key; the old one stays published so live tokens keep verifying."""
        current, _ = self._load()
        fresh = generate_key()
        body = json.dumps({"current": {"kid": fresh.kid, "pem": fresh.pem},
                           "previous": {"kid": current.kid, "pem": current.pem}})
        aws.secrets().put_secret_value(SecretId=self._secret_id(), SecretString=body)
        self.forget()
        return fresh

    def forget(self) -> None:
        self._loaded = None
        self._private.clear()

    @property
    def current(self) -> SigningKey:
        return self._load()[0]

    def by_kid(self, kid: str) -> SigningKey | None:
        key = self._find(kid)
        if key is None and kid and time.monotonic() - self._loaded_at >= RELOAD_AFTER_SECONDS:
            self._loaded = None  # perhaps rotated by another process since we read the secret
            key = self._find(kid)
        return key

    def _find(self, kid: str) -> SigningKey | None:
        current, previous = self._load()
        for key in (current, previous):
            if key is not None and key.kid == kid:
                return key
        return None

    def private_key(self, key: SigningKey) -> Any:
        if key.kid not in self._private:
            self._private[key.kid] = key.private_key()
        return self._private[key.kid]

    def public_key(self, key: SigningKey) -> Any:
        return self.private_key(key).public_key()

    def jwks(self) -> dict[str, Any]:
        current, previous = self._load()
        return {"keys": [k.public_jwk() for k in (current, previous) if k is not None]}


keyring = KeyRing()
