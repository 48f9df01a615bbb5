"""VST's own settings, on top of core's (`CRM_<FIELD>` variables, validated at start-up)."""

from __future__ import annotations

import os

from pydantic import PositiveInt, model_validator

from chalicelib.core.config import Settings, current_settings


class VstSettings(Settings):
    allow_customer_card_create: bool = False  # CRM_ALLOW_CUSTOMER_CARD_CREATE: customers may add their own cards
    booking_window_days: PositiveInt = 30  # CRM_BOOKING_WINDOW_DAYS: how far ahead a service may be booked
    dev_return_otp: bool = False  # CRM_DEV_RETURN_OTP: request_otp answers the OTP (local testing only)

    @model_validator(mode="after")
    def _no_otp_in_answers_in_aws(self) -> VstSettings:
        """An OTP in an API answer defeats it: a Lambda refuses to start with CRM_DEV_RETURN_OTP on."""
        if self.dev_return_otp and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            raise ValueError("CRM_DEV_RETURN_OTP is for the embedded stack and tests only, never in AWS")
        return self


def settings() -> VstSettings:
    """The settings VST runs with now."""
    return current_settings(VstSettings)
