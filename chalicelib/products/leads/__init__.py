"""Leads: lead CRM (specs/leads.md): users (admin, manager, sales), customers (leads) with statuses and
their history, assignment to sales users."""

from __future__ import annotations

from chalicelib.core.product import Product


def product() -> Product:
    from chalicelib.products.leads.wiring import build

    return build()
