"""RepaySync's own settings, on top of core's (`CRM_<FIELD>` variables, validated at start-up)."""

from __future__ import annotations

from pydantic import PositiveInt

from chalicelib.core.config import Settings, current_settings


class RepaySyncSettings(Settings):
    register_per_address: PositiveInt = 5  # public registrations per source address per window
    register_window_minutes: PositiveInt = 60


def settings() -> RepaySyncSettings:
    """The settings RepaySync runs with now."""
    return current_settings(RepaySyncSettings)
