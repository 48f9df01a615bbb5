"""Shared fixtures: in-process moto for every AWS call, the app of the product app.py serves and
Chalice's test client (the test kit, tests/kit/, builds them).

The environment is set before any project module is imported, because settings and table names
are read at import time (as they are in Lambda).
"""

from __future__ import annotations

import os

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "CRM_STAGE": "test",
    "CRM_TABLE_PREFIX": "test-", "CRM_OCR_ENGINE": "rapidocr", "CRM_CORS_ORIGINS": "http://localhost:3000,https://app.example.com",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("CRM_PRODUCT", "repaysync")

import pytest
from moto import mock_aws

from local import moto_fixes

moto_fixes.install()
_mock = mock_aws()
_mock.start()  # before the first pynamodb call: pynamodb caches its connection on the model class

from tests.kit import stage  # noqa: E402 - after the environment and the mock
from tests.kit.app import app_fixture  # noqa: E402


@pytest.fixture(scope="session")
def aws_mock():
    return _mock


# the product app.py serves, on a fresh stage per test (tests/kit/app.py)
app = app_fixture(os.environ["CRM_PRODUCT"])
session_signing_key = stage.session_signing_key  # kept for the tests that install it themselves
install_session_signing_key = stage.install_signing_key


@pytest.fixture()
def client(app):
    """Chalice's test client for the `app` fixture in scope (a folder's conftest may define its own app)."""
    from chalice.test import Client

    with Client(app) as test_client:
        yield test_client


@pytest.fixture()
def http(client):
    """JSON calls through the client (tests/kit/http.py): `http.as_(token).get(path, expect=200)`."""
    from tests.kit.http import Http

    return Http(client)
