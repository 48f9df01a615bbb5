"""Leads fixtures from the test kit (tests/kit/README.md): its app on a fresh stage (`app`) and a seeded
world: an admin, a manager and two sales users (counsellors), each sales user with a lead assigned
and one lead nobody is assigned.

Users are written through the services with one password hash computed once per run (argon2 costs
~50 ms a hash) and their tokens issued directly; the login endpoint is tested in test_auth.py.
"""

from __future__ import annotations

from functools import cache
from itertools import count
from typing import Any
from urllib.parse import urlencode

from tests.kit.app import app_fixture
from tests.kit.world import Blueprint, Records, World, world_fixture

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


AREAS = ("North Delhi", "South Mumbai", "Pune Camp")
_phones = count(1)


def _lead(world: World, owner: str, index: int) -> Any:
    """A lead per owner: assigned to the sales users, nobody's for the manager."""
    from chalicelib.products.leads.services import assignment, customers

    lead = customers.create_customer(f"Lead{index} {owner.title()}", f"+91987654321{index}", area=AREAS[index],
                                     day="2025-04-15")
    if world.role_of(owner) == "sales":
        assignment.assign(lead, world.users[owner].id)
    return lead


def new_leads(world: World, how_many: int) -> list[str]:
    """Fresh unassigned leads (their ids, oldest first), made by the service as an import would."""
    from chalicelib.products.leads.services import customers

    with _settings(world):
        return [customers.create_customer(f"Fresh {n}", f"+9198{next(_phones):08d}", area="Noida").id
                for n in range(how_many)]


def _settings(world: World) -> Any:
    from chalicelib.core.config import using_settings

    return using_settings(world.app.crm_product.settings)


def deliver(world: World, handler: str) -> list[dict[str, Any]]:
    """Run queue consumer `handler` on what its queue holds (tests/kit/queues.py)."""
    from tests.kit.queues import deliver as run

    return run(world.app, handler)


WORLD = Blueprint(
    users={"admin": "admin", "manager": "manager", "sales": "sales", "other_sales": "sales"},
    create_user=_user, principal_of=_principal,
    records=(Records("customers", ("sales", "other_sales", "manager"), _lead),))

app = app_fixture("leads")
world = world_fixture(WORLD)
