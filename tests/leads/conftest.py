"""Leads fixtures from the test kit (tests/kit/README.md): its app on a fresh stage (`app`) and a seeded
world: an admin, a manager and two sales users (counsellors), each sales user with a lead assigned
and one lead nobody is assigned.

Users are written through the services with one password hash computed once per run (argon2 costs
~50 ms a hash) and their tokens issued directly; the login endpoint is tested in test_auth.py.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

from tests.kit.app import app_fixture
from tests.kit.world import Blueprint, World, world_fixture

PASSWORD = "Str0ng-Pass!"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@cache
def password_hash() -> str:
    from chalicelib.core.auth.passwords import hash_password

    return hash_password(PASSWORD)


def _user(world: World, name: str, role: str) -> Any:
    from chalicelib.products.leads.services import users

    return users.create_user(name, role, PASSWORD, email=f"{name}@leads.test", first_name=name.title(),
                             password_hash=password_hash())


def _principal(user: Any) -> Any:
    from chalicelib.products.leads.services import users

    return users.principal_of(user)


def form(http: Any, method: str, path: str, fields: dict[str, Any] | list[tuple[str, Any]], *,
         expect: int | None = None) -> Any:
    """A form-urlencoded call (the spec's curl examples send forms)."""
    return http.call(method, path, headers=FORM, data=urlencode(fields, doseq=True).encode(), expect=expect)


WORLD = Blueprint(
    users={"admin": "admin", "manager": "manager", "sales": "sales", "other_sales": "sales"},
    create_user=_user, principal_of=_principal)

app = app_fixture("leads")
world = world_fixture(WORLD)
