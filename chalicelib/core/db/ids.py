"""Time-ordered integer ids: a ULID's layout (millisecond timestamp, then randomness) in 53 bits.

A 128-bit ULID does not fit the integer `id` the specs show, nor a JSON number a browser reads
exactly (2^53). So the id is 42 bits of milliseconds since 2025-01-01 (enough until 2164) followed by
11 random bits. Within one process and millisecond ids are strictly increasing (as ULID's monotonic
mode: a second id in the same millisecond is the previous one + 1); across processes two ids of the same millisecond
collide with probability 1/2048, so a writer that needs uniqueness puts with `attribute_not_exists`
and draws again on the rare conflict. No counter item: minting an id costs no DynamoDB call.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
EPOCH_MS = int(EPOCH.timestamp() * 1000)
RANDOM_BITS = 11
MAX_ID = 2**53 - 1
SLACK_MS = 1000  # a clock stepped back by less than this keeps ids increasing; further, ids follow it


class TimeOrderedIds:
    """Mints ids for one process (thread safe) from the aware UTC datetime it is given."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self, at: datetime) -> int:
        millis = int(at.timestamp() * 1000) - EPOCH_MS
        if millis < 0:
            raise ValueError("time-ordered ids start at 2025-01-01")
        fresh = (millis << RANDOM_BITS) | secrets.randbits(RANDOM_BITS)
        with self._lock:
            if fresh <= self._last < fresh + (SLACK_MS << RANDOM_BITS):  # same ms, or carried, or clock slew
                fresh = self._last + 1
            self._last = value = fresh  # a clock set back further (or a test's) is followed
        if value > MAX_ID:
            raise OverflowError("time-ordered ids end in 2164")
        return value


def id_time(value: int) -> datetime:
    """The millisecond an id was minted in (UTC)."""
    return EPOCH + timedelta(milliseconds=value >> RANDOM_BITS)


def first_id_at(at: datetime) -> int:
    """The smallest id minted at or after `at` (a range key bound)."""
    millis = max(int(at.timestamp() * 1000) - EPOCH_MS, 0)
    return millis << RANDOM_BITS
