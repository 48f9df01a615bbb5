"""A seeded world: users of each role and records owned by them, for any product.

A product states what its world holds in a `Blueprint`, with its own service functions making the
users and records (so the world obeys the product's rules: counters, guards, relations):

    WORLD = Blueprint(
        users={"admin": "admin", "officer": "collection_officer"},          # name -> role, made in order
        create_user=lambda world, name, role: services.create_user(...),
        principal_of=lambda user: services.principal_of(user),
        records=(Records("customers", ("officer",), lambda world, owner, index: ...),))
    world = world_fixture(WORLD)                                            # tests/<slug>/conftest.py

The world is built once per run on a fresh stage and then restored from a moto snapshot for each test
(tests/kit/stage.py); each test gets its own copy of the Python objects. Tokens are issued per test.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from tests.kit.http import Http
from tests.kit.stage import forget_other_keys, fresh_stage, restore


@dataclass(frozen=True)
class Records:
    """One record of `kind` for each owner (a user's name), made in order by
    `create(world so far, owner, index)`; the world lists them as `world.<kind>[owner]`."""

    kind: str
    owners: tuple[str, ...]
    create: Callable[[World, str, int], Any]


@dataclass(frozen=True, eq=False)
class Blueprint:
    """What a product's seeded world holds: `users` (name -> role, made in order by
    `create_user(world so far, name, role)`) and `records`; `principal_of(user)` is who a token names."""

    users: Mapping[str, str]
    create_user: Callable[[World, str, str], Any]
    principal_of: Callable[[Any], Any]
    records: tuple[Records, ...] = ()

    def with_records(self, *records: Records) -> Blueprint:
        """This world with more records (a test module that needs them; built and kept separately)."""
        return replace(self, records=(*self.records, *records))


@dataclass
class World:
    """The users and records of one test, and calls as any of the users."""

    app: Any
    http: Http
    blueprint: Blueprint
    users: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def __getattr__(self, kind: str) -> dict[str, Any]:
        """`world.customers["officer"]`: the records of a kind, by owner."""
        records = self.__dict__.get("records", {})
        if kind in records:
            return records[kind]
        raise AttributeError(kind)

    def role_of(self, name: str) -> str:
        return self.blueprint.users[name]

    def named(self, role: str) -> str:
        """The first user of the world holding `role`."""
        for name, held in self.blueprint.users.items():
            if held == role:
                return name
        raise LookupError(f"the world has no user with the role {role!r}: add one to its Blueprint")

    def token(self, name: str) -> str:
        """An access token of the user `name` (issued on first use, as the product's login would)."""
        if name not in self._tokens:
            from chalicelib.core.auth.authorizer import product_tokens
            from chalicelib.core.config import using_settings

            product = self.app.crm_product
            with using_settings(product.settings):
                principal = self.blueprint.principal_of(self.users[name])
                self._tokens[name] = product_tokens(product).issue(principal).access
        return self._tokens[name]

    def as_(self, name: str) -> dict[str, str]:
        """The Authorization header of the user `name`."""
        return {"Authorization": f"Bearer {self.token(name)}"}

    def client(self, name: str) -> Http:
        """`http` calling as the user `name`."""
        return self.http.as_(self.token(name))


_seeded: dict[Any, tuple[dict[str, Any], dict[str, dict[str, Any]]]] = {}


def seed(aws_mock: Any, app: Any, http: Http, blueprint: Blueprint) -> World:
    """The blueprint's world on a fresh stage of `app`: built the first time, restored afterwards."""
    from chalicelib.core.config import using_settings

    key = ("world", id(blueprint), id(app))

    def build() -> None:
        fresh_stage(aws_mock, app)
        world = World(app, http, blueprint)
        with using_settings(app.crm_product.settings):
            for name, role in blueprint.users.items():
                world.users[name] = blueprint.create_user(world, name, role)
            for records in blueprint.records:
                made = world.records.setdefault(records.kind, {})
                for index, owner in enumerate(records.owners):
                    made[owner] = records.create(world, owner, index)
        _seeded[key] = copy.deepcopy((world.users, world.records))

    restore(aws_mock, key, build)
    forget_other_keys()
    users, records = copy.deepcopy(_seeded[key])
    return World(app, http, blueprint, users, records)


def world_fixture(blueprint: Blueprint) -> Any:
    """A fixture giving `blueprint`'s world on the `app` fixture's product, fresh for each test."""

    @pytest.fixture()
    def fixture(aws_mock: Any, app: Any, http: Http) -> World:
        return seed(aws_mock, app, http, blueprint)

    return fixture
