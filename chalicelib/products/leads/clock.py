"""Leads' business time zone: India (the spec's areas are Delhi's; +91 numbers). A stage may set
CRM_TIME_ZONE. A lead's day, the dashboards' days and the daily summary's "yesterday" are counted in it."""

from __future__ import annotations

from chalicelib.core.clock import Clock, business_clock

TIME_ZONE = "Asia/Kolkata"


def clock() -> Clock:
    """The product's clock (tests replace this function to freeze time)."""
    return business_clock(TIME_ZONE)
