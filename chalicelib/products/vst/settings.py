"""VST's own settings, on top of core's (`CRM_<FIELD>` variables, validated at start-up)."""

from __future__ import annotations

from pydantic import PositiveInt

from chalicelib.core.config import Settings, current_settings


class VstSettings(Settings):
    allow_customer_card_create: bool = False  # CRM_ALLOW_CUSTOMER_CARD_CREATE: customers may add their own cards
    booking_window_days: PositiveInt = 30  # CRM_BOOKING_WINDOW_DAYS: how far ahead a service may be booked


def settings() -> VstSettings:
    """The settings VST runs with now."""
    return current_settings(VstSettings)
