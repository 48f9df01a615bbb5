"""RevisBali: visa agency CRM (specs/revisbali.md): users (admin, staff, agent), countries, customers."""

from __future__ import annotations

from chalicelib.core.product import Product


def product() -> Product:
    from chalicelib.products.revisbali.wiring import build

    return build()
