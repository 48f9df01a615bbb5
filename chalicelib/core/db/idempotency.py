"""Stored answers of requests sent with an `Idempotency-Key`, so a client retrying after a timeout
gets the first answer again instead of a second write.

One item per product, caller and key, holding a fingerprint of the request and the answer (status and
JSON body). The item is put by the write it protects, in the SAME transaction and only if the key is
free (or its item expired), so two racing requests with one key cannot both write: the loser's
transaction is cancelled and it answers the winner's stored answer. Items carry a TTL of `LIFETIME`;
DynamoDB (and moto) delete expired items late or never, so reads and the put's condition treat an
expired item as absent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import cache
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db import txn
from chalicelib.core.db.base import meta, utcnow
from chalicelib.core.errors import ApiError
from chalicelib.core.records import Record

LIFETIME = timedelta(hours=24)


class KeyTaken(ApiError):
    """The key's item was written meanwhile (a racing twin): not a Conflict, so no version-retry loop
    retries it; the caller answers the stored answer instead."""

    status = 409
    code = "conflict"
    default_message = "A request with this Idempotency-Key is being processed."


@cache
def idempotent_request_model(product: str) -> type[Model]:
    class IdempotentRequest(Model):
        Meta = meta("idempotent-requests", product)
        key = UnicodeAttribute(hash_key=True)  # caller and client key, hashed (fixed length, no parsing)
        fingerprint = UnicodeAttribute()  # what the request asked: the same key must ask the same again
        status = NumberAttribute()
        body = UnicodeAttribute()  # the answer, as JSON
        expires_at = TTLAttribute()

    IdempotentRequest.__name__ = f"{product.title()}IdempotentRequest"
    return IdempotentRequest


class Stored(Record, frozen=True):
    status: int
    body: Any
    fingerprint: str


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class IdempotentRequest(Record, frozen=True):
    """One request's key (product, caller and client key) and fingerprint (method, path and body)."""

    product: str
    key: str
    fingerprint: str

    @property
    def model(self) -> type[Model]:
        return idempotent_request_model(self.product)

    def stored(self) -> Stored | None:
        """The answer stored under the key, unless none or expired (one consistent GetItem)."""
        try:
            item = self.model.get(self.key, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        if item.expires_at <= utcnow():
            return None
        return Stored(int(item.status), json.loads(item.body), item.fingerprint)

    def seal(self, status: int, body: Any) -> txn.Step:
        """The step storing `body` (JSON-ready) as the answer, for the transaction of the write itself."""
        model = self.model
        now = utcnow()
        item = model(self.key, fingerprint=self.fingerprint, status=status,
                     body=json.dumps(body, separators=(",", ":"), sort_keys=True), expires_at=now + LIFETIME)
        return txn.put(item, condition=model.key.does_not_exist() | (model.expires_at <= now), error=KeyTaken())
