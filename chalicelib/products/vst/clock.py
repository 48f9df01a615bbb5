"""VST's business time zone: India (its service areas are in Tamil Nadu). A stage may set CRM_TIME_ZONE."""

from __future__ import annotations

from chalicelib.core.clock import Clock, business_clock

TIME_ZONE = "Asia/Kolkata"


def clock() -> Clock:
    """The product's clock (tests replace this function to freeze time)."""
    return business_clock(TIME_ZONE)
