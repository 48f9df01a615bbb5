"""Chalice entry point: serves the product named by CRM_PRODUCT (each stage sets it)."""

import os

from chalicelib.core.app_factory import create_app

app = create_app(os.environ.get("CRM_PRODUCT", "repaysync"))
