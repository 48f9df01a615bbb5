"""Builds the Chalice app for one product (the one named by CRM_PRODUCT)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from chalice import Chalice

from chalicelib.core.product import Product

PRODUCTS = ("repaysync", "leads", "vst", "revisbali", "isp")
BINARY_TYPES = [
    "multipart/form-data",
    "application/octet-stream",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
    "image/png",
    "image/jpeg",
]


def load_product(slug: str) -> Product:
    if slug not in PRODUCTS:
        raise ValueError(f"unknown product {slug!r}; expected one of {', '.join(PRODUCTS)}")
    module = importlib.import_module(f"chalicelib.products.{slug}")
    return module.product()


def create_app(slug: str) -> Chalice:
    from chalicelib.core.auth.authorizer import register_authorizer
    from chalicelib.core.auth.routes import register_auth_routes
    from chalicelib.core.logs import configure_logging
    from chalicelib.core.openapi import register_openapi_route

    configure_logging(slug)
    product = load_product(slug)
    app = Chalice(app_name=f"crm-{slug}")
    app.api.binary_types.extend(t for t in BINARY_TYPES if t not in app.api.binary_types)
    app.crm_product = product
    authorizer = register_authorizer(app, product)
    register_auth_routes(product)
    register_openapi_route(product)
    product.api.attach(app, authorizer)
    if product.register_workers is not None:
        product.register_workers(app)
    return app


def lambda_entry_points(app: Chalice) -> dict[str, Callable[..., Any]]:
    """Every Lambda handler `chalice package` names besides `app.app`: authorizers, event sources
    (SQS, schedules, S3...) and `@app.lambda_function`s. Chalice writes each one's Handler as
    `app.<name>`, so app.py must hold it as a module-level name, or Lambda cannot find it."""
    configs = [*app.builtin_auth_handlers, *app.event_sources, *app.pure_lambda_functions]
    entries: dict[str, Callable[..., Any]] = {}
    for config in configs:
        module, _, attribute = config.handler_string.partition(".")
        if module != "app" or "." in attribute:
            raise ValueError(f"{config.name}: handler {config.handler_string!r} is not a name in app.py")
        entries[attribute] = app.handler_map[config.name]
    if "app" in entries:
        raise ValueError("a Lambda function may not be named 'app' (the API handler's name)")
    return entries
