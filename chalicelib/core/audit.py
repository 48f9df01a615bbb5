"""Request/response audit trail for products that ask for one (RepaySync's `/api/logs/`).

Payloads are redacted (passwords, tokens, OTPs, secrets) and truncated before they are stored;
records expire through DynamoDB TTL after the configured retention.

One record costs one PutItem: its id is time-ordered (chalicelib/core/db/ids.py, no counter item) and
its partition is the UTC day it was written (`2026-11-28`), so the trail spreads over a partition
per day instead of one for ever. The list reads newest first, day partition by day partition,
backwards. Which days hold records is kept in a small `days` partition of the same table: each
process writes a day's marker once (before the first record of that day it writes), so the list
never walks empty days and knows where the trail ends.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.core.config import get_settings
from chalicelib.core.db.base import is_conditional_failure, meta, utcnow
from chalicelib.core.db.ids import TimeOrderedIds, id_time

SENSITIVE = re.compile(r"pass(word)?|secret|token|otp|access|refresh|authorization|api[_-]?key|pin$",
                       re.IGNORECASE)
REDACTED = "***"
DAYS = "days"  # the partition of day markers (range key: the day as yyyymmdd)
_ids = TimeOrderedIds()
_marked: set[tuple[str, date]] = set()  # (table, day) markers this process has written


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
    """A partition per UTC day, ordered by time-ordered id: newest first is a reverse Query per day."""

    class ApiLog(Model):
        Meta = meta("api-logs", product)
        day = UnicodeAttribute(hash_key=True)
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


@cache
def audit_day_model(product: str) -> type[Model]:
    """The day markers, in the api-logs table's `days` partition (the table is declared by ApiLog)."""

    class ApiLogDay(Model):
        Meta = meta("api-logs", product)
        day = UnicodeAttribute(hash_key=True, default=DAYS)
        id = NumberAttribute(range_key=True)  # yyyymmdd
        expires_at = TTLAttribute(null=True)

    ApiLogDay.__name__ = f"{product.title()}ApiLogDay"
    return ApiLogDay


def forget_marked_days() -> None:
    """Tests that wipe the tables (moto's reset) forget which day markers this process wrote."""
    _marked.clear()


def _day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _day_of_number(number: int) -> date:
    return date(number // 10000, number // 100 % 100, number % 100)


def parse_cursor(cursor: dict[str, Any] | None) -> tuple[date, int] | None:
    """A list cursor is the last record's key: `{"day": {"S": ...}, "id": {"N": ...}}` (ValueError if not)."""
    if cursor is None:
        return None
    try:
        day = date.fromisoformat(cursor["day"]["S"])
        text = cursor["id"]["N"]
    except (KeyError, TypeError) as exc:
        raise ValueError("not an api-log key") from exc
    if not (isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 16):
        raise ValueError("not an api-log id")
    return day, int(text)


class AuditStore:
    """Writes and lists one product's audit trail."""

    def __init__(self, product: str) -> None:
        self.model = audit_model(product)
        self.days = audit_day_model(product)

    def write(self, entry: Any) -> None:
        """One PutItem (plus, once per process and day, the day's marker)."""
        principal = entry.principal
        retention = timedelta(days=get_settings().audit_retention_days)
        for attempt in range(3):
            now = utcnow()
            record_id = _ids.next(now)
            day = id_time(record_id).date()
            self._mark(day, retention)
            item = self.model(
                day.isoformat(), record_id,
                user=principal.user_id if principal else None,
                username=principal.username if principal else None,
                method=entry.method, endpoint=entry.endpoint,
                request_payload=entry.request_payload, response_payload=entry.response_payload,
                status_code=entry.status_code, duration_ms=round(entry.duration_ms, 2), created_at=now,
                expires_at=now + retention)
            try:
                item.save(condition=self.model.id.does_not_exist())  # another process's id: 1/2048 a ms
                return
            except PutError as exc:
                if not is_conditional_failure(exc) or attempt == 2:
                    raise

    def _mark(self, day: date, retention: timedelta) -> None:
        key = (self.model.Meta.table_name, day)
        if key in _marked:
            return
        day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=utcnow().tzinfo)
        self.days(DAYS, _day_number(day), expires_at=day_end + retention).save()
        _marked.add(key)

    def page(self, limit: int, cursor: dict[str, Any] | None) -> tuple[list[Model], dict[str, Any] | None]:
        """Newest first across day partitions; the cursor is the last returned record's key.
        Records past their TTL that DynamoDB has not removed yet are hidden. ValueError: bad cursor."""
        after = parse_cursor(cursor)
        now = utcnow()
        horizon = (now - timedelta(days=get_settings().audit_retention_days)).date()
        newest = after[0] if after else now.date()
        if newest < horizon:
            return [], None
        markers = self.days.query(DAYS, self.days.id.between(_day_number(horizon), _day_number(newest)),
                                  scan_index_forward=False)
        items: list[Model] = []
        for day in (_day_of_number(int(marker.id)) for marker in markers):
            key = ({"day": {"S": day.isoformat()}, "id": {"N": str(after[1])}}
                   if after and day == after[0] else None)
            while len(items) < limit:
                result = self.model.query(day.isoformat(), scan_index_forward=False, limit=limit - len(items),
                                          last_evaluated_key=key)
                items.extend(item for item in result if item.expires_at is None or item.expires_at > now)
                key = result.last_evaluated_key
                if key is None:
                    break
            if len(items) >= limit:
                last = items[-1]
                return items, {"day": {"S": last.day}, "id": {"N": str(last.id)}}
        return items, None
