"""ISP's business time zone: Bangladesh (the spec's NTTN/IIG lines are Bangladesh's). A stage may set
CRM_TIME_ZONE. Months (a customer's calculated monthly revenue, the dashboard) are counted in it."""

from __future__ import annotations

from chalicelib.core.clock import Clock, business_clock

TIME_ZONE = "Asia/Dhaka"


def clock() -> Clock:
    """The product's clock (tests replace this function to freeze time)."""
    return business_clock(TIME_ZONE)
