"""RevisBali's business time zone: Bali (Asia/Makassar, UTC+8, no daylight saving). A stage may set
CRM_TIME_ZONE. An invoice's due date and "past due" are business dates in it."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.clock import Clock, business_clock, system_now

TIME_ZONE = "Asia/Makassar"
source = system_now  # tests replace this to freeze the time


def clock() -> Clock:
    """The product's clock, reading the time through `source`."""
    return business_clock(TIME_ZONE, lambda: now())


def now() -> datetime:
    return source()
