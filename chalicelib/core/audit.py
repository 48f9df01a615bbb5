"""Request/response audit trail for products that ask for one (RepaySync's `/api/logs/`).

Payloads are redacted (passwords, tokens, OTPs, secrets) and truncated before they are stored;
records expire through DynamoDB TTL after the configured retention.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import cache
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.core.config import get_settings
from chalicelib.core.db.base import meta, utcnow
from chalicelib.core.db.counters import IdSequence

SENSITIVE = re.compile(r"pass(word)?|secret|token|otp|access|refresh|authorization|api[_-]?key|pin$",
                       re.IGNORECASE)
REDACTED = "***"
STREAM = "api"


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: REDACTED if SENSITIVE.search(str(key)) else _redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value


def redact_payload(text: str, limit: int) -> str:
    """Redact secrets from a JSON payload, then cut it to `limit` characters."""
    if not text:
        return ""
    try:
        text = json.dumps(_redact(json.loads(text)), separators=(",", ":"), default=str)
    except ValueError:
        text = re.sub(r"(?i)(password|token|otp|refresh|access)=([^&\s]+)", r"\1=" + REDACTED, text)
    if len(text) > limit:
        return text[:limit] + "...[truncated]"
    return text


@cache
def audit_model(product: str) -> type[Model]:
    """One partition (`stream`) ordered by integer id: newest first is a reverse Query."""

    class ApiLog(Model):
        Meta = meta("api-logs", product)
        stream = UnicodeAttribute(hash_key=True, default=STREAM)
        id = NumberAttribute(range_key=True)
        user = NumberAttribute(null=True)
        username = UnicodeAttribute(null=True)
        method = UnicodeAttribute()
        endpoint = UnicodeAttribute()
        request_payload = UnicodeAttribute(default="")
        response_payload = UnicodeAttribute(default="")
        status_code = NumberAttribute()
        duration_ms = NumberAttribute(default=0)
        created_at = UTCDateTimeAttribute(default=utcnow)
        expires_at = TTLAttribute(null=True)

    ApiLog.__name__ = f"{product.title()}ApiLog"
    return ApiLog


class AuditStore:
    def __init__(self, product: str, counters: type[Model]) -> None:
        self.model = audit_model(product)
        self.ids = IdSequence(counters, "api-logs")

    def write(self, entry: Any) -> None:
        principal = entry.principal
        now = utcnow()
        self.model(
            STREAM, self.ids.next(),
            user=principal.user_id if principal else None,
            username=principal.username if principal else None,
            method=entry.method, endpoint=entry.endpoint,
            request_payload=entry.request_payload, response_payload=entry.response_payload,
            status_code=entry.status_code, duration_ms=round(entry.duration_ms, 2), created_at=now,
            expires_at=now + timedelta(days=get_settings().audit_retention_days),
        ).save()

    def page(self, limit: int, cursor: dict[str, Any] | None) -> tuple[list[Model], dict[str, Any] | None]:
        """Newest first; expired records that TTL has not removed yet are hidden."""
        now = utcnow()
        result = self.model.query(STREAM, scan_index_forward=False, limit=limit,
                                  last_evaluated_key=cursor)
        items = [item for item in result if item.expires_at is None or item.expires_at > now]
        return items, result.last_evaluated_key
