"""Signed list cursors: a client can hand back only a cursor we issued, for the list we issued it for.

A cursor carries the key a list continues after (DynamoDB's `LastEvaluatedKey`), readable but not
forgeable: an HMAC-SHA256 tag covers it together with the list it belongs to (product, path, the
sorted filters, the caller, and whatever else the pagination style binds, such as a page number).
A cursor sent to another list, with other filters, by another user, altered in any byte, or in an
older format fails the check and the request is a 400.

The HMAC key is derived with HKDF from the stage's token signing keys (core/auth/keys.py), so there
is no second secret to provision or rotate. New cursors use the current key; every key that still
verifies tokens also verifies cursors, so cursors handed out just before a rotation keep working.

Layout (base64url, unpadded): version byte | 16-byte tag | compact JSON of the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from typing import Any

Key = dict[str, Any]

VERSION = 1
TAG_BYTES = 16  # 128 bits: a forger must guess it; far beyond what a request rate allows
MAX_CURSOR_CHARS = 2048  # stated in the OpenAPI document with the cursor's alphabet
ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_INFO = b"crm/list-cursor/v1"


class InvalidCursor(ValueError):
    """Not a cursor this list issued (tampered, foreign, of an old format, or its key has expired)."""


def _hmac_key(kid: str, pem: str, product: str) -> bytes:
    from chalicelib.core.auth.keys import derived_secret

    return derived_secret(kid, pem, _INFO + b"/" + product.encode("utf-8"))


def _keys(product: str) -> tuple[bytes, list[bytes]]:
    """The signing HMAC key and every verifying one (current first), from the stage's keyring."""
    from chalicelib.core.auth.keys import keyring

    current = keyring.current
    verifying = [_hmac_key(key.kid, key.pem, product) for key in keyring.verifying()]
    return _hmac_key(current.kid, current.pem, product), verifying


def binding(product: str, path: str, filters: dict[str, str], caller: str, *extra: Any) -> bytes:
    """What a cursor is bound to, as unambiguous bytes (a JSON array)."""
    return json.dumps([product, path, sorted(filters.items()), caller, *extra], separators=(",", ":"),
                      ensure_ascii=True, default=str).encode("ascii")


def _tag(secret: bytes, bound: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, bytes([VERSION]) + bound + b"\x00" + payload, hashlib.sha256).digest()[:TAG_BYTES]


def sign(key: Key, product: str, bound: bytes) -> str:
    payload = json.dumps(key, separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")
    current, _ = _keys(product)
    raw = bytes([VERSION]) + _tag(current, bound, payload) + payload
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def verify(cursor: str, product: str, bound: bytes) -> Key:
    """The key inside `cursor`, if this list issued it; InvalidCursor otherwise."""
    if len(cursor) > MAX_CURSOR_CHARS or not ALPHABET.fullmatch(cursor):
        raise InvalidCursor("not a cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError as exc:
        raise InvalidCursor("not base64") from exc
    if len(raw) <= 1 + TAG_BYTES or raw[0] != VERSION:
        raise InvalidCursor("unknown format")
    tag, payload = raw[1:1 + TAG_BYTES], raw[1 + TAG_BYTES:]
    _, verifying = _keys(product)
    if not any(hmac.compare_digest(tag, _tag(secret, bound, payload)) for secret in verifying):
        raise InvalidCursor("bad signature")
    try:
        key = json.loads(payload)
    except ValueError as exc:  # signed by us, so only a bug could get here
        raise InvalidCursor("unreadable") from exc
    if not is_dynamodb_key(key):
        raise InvalidCursor("not a key")
    return key


def is_dynamodb_key(value: Any, names: Iterable[str] | None = None) -> bool:
    """`{"attr": {"S": "text"} | {"N": "number"}, ...}`: the only shape a Query's ExclusiveStartKey may
    take here (a number that is no number would be refused by DynamoDB and crash moto)."""
    if not isinstance(value, dict) or not value:
        return False
    if names is not None and set(value) != set(names):
        return False
    return all(_is_key_value(typed) for typed in value.values())


_NUMBER = re.compile(r"-?[0-9]{1,38}(?:\.[0-9]{1,38})?")


def _is_key_value(typed: Any) -> bool:
    if not isinstance(typed, dict) or len(typed) != 1:
        return False
    kind, text = next(iter(typed.items()))
    return isinstance(text, str) and (kind == "S" or (kind == "N" and bool(_NUMBER.fullmatch(text))))
