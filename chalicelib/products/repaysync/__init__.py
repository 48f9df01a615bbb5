"""RepaySync: loan-collection CRM (specs/repaysync.md)."""

from __future__ import annotations

from chalicelib.core.product import Product


def product() -> Product:
    from chalicelib.products.repaysync.wiring import build

    return build()
