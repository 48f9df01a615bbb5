"""RepaySync: loan-collection CRM (specs/repaysync.md)."""

from __future__ import annotations

from chalicelib.core.config import Settings
from chalicelib.core.product import Product


def product() -> Product:
    from chalicelib.products.repaysync.wiring import build

    return build()


def settings_class() -> type[Settings]:
    from chalicelib.products.repaysync.settings import RepaySyncSettings

    return RepaySyncSettings
