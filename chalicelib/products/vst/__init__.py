"""VST: field-service CRM for water purifiers (specs/vst.md): users, service cards, bookings, OTP completion."""

from __future__ import annotations

from chalicelib.core.config import Settings
from chalicelib.core.product import Product


def product() -> Product:
    from chalicelib.products.vst.wiring import build

    return build()


def settings_class() -> type[Settings]:
    from chalicelib.products.vst.settings import VstSettings

    return VstSettings
