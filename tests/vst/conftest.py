"""VST fixtures: one app and one seeded world per test module (moto is reset when a module starts).

Tests of a module share the world, so each one creates what it changes (its own user, card...) or
only reads. Users are written directly with one password hash computed once per session (argon2
costs ~50 ms a hash) and their tokens issued directly; the login endpoint is tested in test_auth.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import count
from typing import Any

import pytest

PASSWORD = "Str0ng-Pass!"
_phones = count(1)


@cache
def password_hash() -> str:
    from chalicelib.core.auth.passwords import hash_password

    return hash_password(PASSWORD)


def new_phone() -> str:
    """A valid Indian mobile number no other test has used."""
    return f"+9198{next(_phones):08d}"


@dataclass
class Http:
    """JSON requests through Chalice's test client."""

    client: Any

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        headers = dict(headers or {})
        data = b""
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        return self.client.http.request(method, path, headers=headers, body=data)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.call("GET", path, headers=headers)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.call("POST", path, body, headers)

    def put(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.call("PUT", path, body, headers)

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.call("PATCH", path, body, headers)

    def delete(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.call("DELETE", path, headers=headers)


@dataclass
class World:
    app: Any
    http: Http
    users: dict[str, Any] = field(default_factory=dict)
    auth: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_(self, name: str) -> dict[str, str]:
        return self.auth[name]

    def add_user(self, key: str, role: str, **fields: Any) -> Any:
        """A user of `role` (phone unused so far) and their bearer header, under `key`."""
        user = make_user(role, **fields)
        self.users[key] = user
        self.auth[key] = bearer(user)
        return user

    def client(self, name: str | None) -> Any:
        """The kit's Http calling as user `name` (None: without a token)."""
        from tests.kit.http import Http as KitHttp

        token = self.auth[name]["Authorization"].removeprefix("Bearer ") if name else None
        return KitHttp(self.http.client).as_(token)

    def deliver(self, handler: str, *, expect_success: bool = True) -> list[dict[str, Any]]:
        """Run queue consumer `handler` once on what its queue holds (tests/kit/queues.py)."""
        from tests.kit.queues import deliver

        return deliver(self.app, handler, expect_success=expect_success)

    def settings(self) -> Any:
        from chalicelib.core.config import using_settings

        return using_settings(self.app.crm_product.settings)


def make_user(role: str, *, name: str | None = None, phone: str | None = None, region: str | None = None,
              address: str | None = None) -> Any:
    from chalicelib.products.vst.services import users

    return users.create_user(name or f"{role.title()} {next(_phones)}", phone or new_phone(), role, PASSWORD,
                             region=region, address=address, password_hash=password_hash())


def tokens() -> Any:
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.products.vst.wiring import build

    return product_tokens(build())


def bearer(user: Any) -> dict[str, str]:
    from chalicelib.products.vst.services import users

    return {"Authorization": f"Bearer {tokens().issue(users.principal_of(user)).access}"}


@pytest.fixture(scope="module")
def vst_app(aws_mock) -> Iterator[Any]:
    """A fresh AWS state and VST's app with its tables, bucket, queues and signing key."""
    aws_mock.reset()
    from chalicelib.core.app_factory import create_app
    from chalicelib.core.config import using_settings
    from chalicelib.core.db.tables import ensure_tables
    from local.gateway import install
    from local.resources import create_buckets_and_queues
    from tests.conftest import install_session_signing_key

    install()
    app = create_app("vst")
    with using_settings(app.crm_product.settings):
        ensure_tables(app.crm_product.models)
        create_buckets_and_queues(app.crm_product)
        install_session_signing_key()
        yield app


@pytest.fixture(scope="module")
def world(vst_app) -> Iterator[World]:
    """admin, two workers (north, south), two customers (owner, stranger)."""
    from chalice.test import Client

    with Client(vst_app) as client:
        world = World(vst_app, Http(client))
        world.add_user("admin", "admin", name="Admin One")
        world.add_user("worker", "worker", region="rajapalayam")
        world.add_user("other_worker", "worker", region="madurai")
        world.add_user("customer", "customer", region="rajapalayam", address="12 MG Road")
        world.add_user("stranger", "customer", region="madurai")
        yield world


@pytest.fixture()
def http(world) -> Http:
    return world.http


@pytest.fixture()
def setting(monkeypatch) -> Iterator[Any]:
    """`setting("CRM_X", "value")`: a stage variable for this test only (settings are read again)."""
    from chalicelib.core.config import reset_settings

    def put(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        reset_settings()

    yield put
    monkeypatch.undo()
    reset_settings()
