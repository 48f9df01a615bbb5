"""ISP: billing CRM for an internet service provider (specs/isp.md): users with data-driven roles,
prospects, customers, bills."""

from __future__ import annotations

from chalicelib.core.product import Product


def product() -> Product:
    from chalicelib.products.isp.wiring import build

    return build()
