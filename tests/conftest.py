"""Shared fixtures: in-process moto for every AWS call, and Chalice's test client per product.

The environment is set before any project module is imported, because settings and table names
are read at import time (as they are in Lambda).
"""

from __future__ import annotations

import functools
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

from local import moto_fixes

moto_fixes.install()
_mock = mock_aws()
_mock.start()  # before the first pynamodb call: pynamodb caches its connection on the model class


@pytest.fixture(scope="session")
def aws_mock():
    return _mock


@functools.cache
def session_signing_key():
    """One RSA key per test run: generating one per test (after moto's reset) costs ~0.3 s."""
    from chalicelib.core.auth.keys import generate_key

    return generate_key()


def install_session_signing_key() -> None:
    """Store the run's key as the stage's signing secret, as a deployed stage would have it."""
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import keyring, secret_string
    from chalicelib.core.config import get_settings

    key = session_signing_key()
    aws.secrets().create_secret(Name=get_settings().signing_key_secret, SecretString=secret_string([key]))
    if keyring._loaded != [key]:  # parsing a PEM costs ~60 ms: keep it when unchanged
        keyring.forget()


def _bootstrap(product) -> None:
    """Tables, bucket, queues and signing key of a fresh stage. boto3 clients survive moto's reset,
    so they are kept (rebuilding them costs ~0.16 s each)."""
    from chalicelib.core.db.tables import ensure_tables
    from local.resources import create_buckets_and_queues

    ensure_tables(product.models)
    create_buckets_and_queues(product)
    install_session_signing_key()


@pytest.fixture()
def app(aws_mock):
    """A fresh AWS state and the product's Chalice app."""
    aws_mock.reset()
    from chalicelib.core.audit import forget_marked_days
    from local.gateway import install

    forget_marked_days()  # the day markers went with the tables

    install()
    import app as app_module

    _bootstrap(app_module.app.crm_product)
    return app_module.app


@pytest.fixture()
def client(app):
    from chalice.test import Client

    with Client(app) as test_client:
        yield test_client
