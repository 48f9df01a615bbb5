"""Builds the Chalice app for one product (app.py: the one named by CRM_PRODUCT)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from chalice import Chalice

from chalicelib.core.config import Settings, SettingsSource, environment_settings, get_settings, using_settings
from chalicelib.core.product import Product, ScheduleSpec

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


def product_module(slug: str) -> Any:
    if slug not in PRODUCTS:
        raise ValueError(f"unknown product {slug!r}; expected one of {', '.join(PRODUCTS)}")
    return importlib.import_module(f"chalicelib.products.{slug}")


def load_product(slug: str) -> Product:
    return product_module(slug).product()


def create_app(slug: str, settings: Settings | None = None) -> Chalice:
    """The app of product `slug`, with `settings` (default: the product's settings class read from
    the environment, validated first: a bad value stops here with a SettingsError naming it)."""
    from chalicelib.core.logs import configure_logging

    configure_logging(slug)
    module = product_module(slug)
    source: SettingsSource = settings if settings is not None else environment_settings(
        getattr(module, "settings_class", lambda: Settings)(), product=slug)
    with using_settings(source):
        get_settings()  # validate before anything is built
        return assemble_app(module.product(), source)


def assemble_app(product: Product, settings: SettingsSource) -> Chalice:
    """A Chalice app serving `product` with `settings` current in everything it runs (its routes,
    authorizer, consumers, schedules), so differently configured products can share a process."""
    from chalicelib.core.auth.authorizer import register_authorizer
    from chalicelib.core.auth.jwks import register_jwks_route
    from chalicelib.core.openapi_route import register_openapi_route

    with using_settings(settings):
        product.settings = settings
        product.api.settings = settings
        app = Chalice(app_name=f"crm-{product.slug}")
        app.api.binary_types.extend(t for t in BINARY_TYPES if t not in app.api.binary_types)
        app.crm_product = product
        authorizer = register_authorizer(app, product)
        register_jwks_route(product)
        register_openapi_route(product)
        product.api.attach(app, authorizer)
        if product.register_workers is not None:
            product.register_workers(app)
        for schedule in product.schedules:
            register_schedule(app, product, schedule)
    return app


def register_schedule(app: Chalice, product: Product, spec: ScheduleSpec) -> None:
    """`spec` as a Chalice scheduled Lambda; its log lines carry the Lambda request id."""
    from chalicelib.core.logs import correlated, lambda_request_id

    def run(event: Any) -> Any:
        with using_settings(product.settings), correlated(lambda_request_id(getattr(event, "context", None))):
            try:
                return spec.handler()
            except Exception:  # one JSON line with the traceback and the request id; Lambda records the failure
                logging.getLogger("crm.schedules").exception("schedule %s failed", spec.name)
                raise

    run.__name__ = run.__qualname__ = spec.name
    app.schedule(spec.expression, name=spec.name, description=spec.description or spec.name)(run)


def prewarm(app: Chalice, handler: str | None) -> None:
    """Lambda runs module code once per environment, before the first invocation: build the DynamoDB
    client there (its botocore session loads DynamoDB's model) and, in the functions that verify or sign
    tokens (`handler`, Lambda's `_HANDLER`: the API or an authorizer), read the signing keys, so the
    first request pays neither. app.py calls it only in Lambda (`AWS_LAMBDA_FUNCTION_NAME`); tests and
    the embedded stack build what they use. A failure is logged and the first request tries again."""
    from chalicelib.core.auth.store import revocation_model

    product = app.crm_product
    token_handlers = {"app.app", *(f"app.{config.name}" for config in app.builtin_auth_handlers)}
    try:
        with using_settings(product.settings):
            revocation_model(product.slug)._get_connection().connection.client  # noqa: B018 - built on access
            if handler in token_handlers:
                from chalicelib.core.auth.keys import keyring

                keyring.verifying()
    except Exception:  # never stop the function from starting: the first request builds what is missing
        logging.getLogger("crm.start").exception("warming up the %s function failed", handler)


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
