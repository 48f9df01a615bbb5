"""Shared fixtures: in-process moto for every AWS call, and Chalice's test client per product.

The environment is set before any project module is imported, because settings and table names
are read at import time (as they are in Lambda).
"""

from __future__ import annotations

import os

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "CRM_STAGE": "test",
    "CRM_TABLE_PREFIX": "test-", "CRM_CORS_ORIGINS": "http://localhost:3000,https://app.example.com",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("CRM_PRODUCT", "repaysync")

import pytest
from moto import mock_aws

_mock = mock_aws()
_mock.start()  # before the first pynamodb call: pynamodb caches its connection on the model class


@pytest.fixture(scope="session")
def aws_mock():
    return _mock


def _bootstrap(product) -> None:
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.db.tables import ensure_tables
    from chalicelib.core.local.resources import create_buckets_and_queues

    ensure_tables(product.models)
    create_buckets_and_queues()
    keyring.forget()
    aws.reset_clients()


@pytest.fixture()
def app(aws_mock):
    """A fresh AWS state and the product's Chalice app."""
    aws_mock.reset()
    from chalicelib.core.local.gateway import install

    install()
    import app as app_module

    _bootstrap(app_module.app.crm_product)
    return app_module.app


@pytest.fixture()
def client(app):
    from chalice.test import Client

    with Client(app) as test_client:
        yield test_client
