"""Per-product app fixtures: a product's Chalice app, built once per run, on a fresh stage per test.

    app = app_fixture("repaysync")          # in tests/<slug>/conftest.py

Several products' fixtures can be used in one run (each app runs with its own product's settings).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import pytest
from chalice import Chalice

from tests.kit.stage import fresh_stage


@functools.cache
def build_app(slug: str) -> Chalice:
    """The product's app as Lambda builds it: app.py's own app for the product it serves (CRM_PRODUCT),
    `create_app(slug)` for any other (its settings read from the environment for that product)."""
    from local.gateway import install

    install()  # Chalice's local gateway answers 401/404/405 as API Gateway does
    if slug == os.environ.get("CRM_PRODUCT"):
        import app as entry

        return entry.app
    from chalicelib.core.app_factory import create_app

    return create_app(slug)


def app_fixture(product: str | Callable[[], Chalice], *, scope: str = "function") -> Any:
    """A fixture giving the product's app on a stage holding only what deployment creates (tables,
    bucket, queues, signing key). `product` is a slug, or a function building an app (a test product;
    called once). Assign it to a name: `app = app_fixture("repaysync")`."""
    build = (lambda: build_app(product)) if isinstance(product, str) else functools.cache(product)

    @pytest.fixture(scope=scope)
    def fixture(aws_mock: Any) -> Chalice:
        app = build()
        fresh_stage(aws_mock, app)
        return app

    return fixture


