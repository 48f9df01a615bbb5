"""RevisBali fixtures from the test kit (tests/kit/README.md): its app on a fresh stage (`app`) and a
seeded world: the ISO countries, an admin, a staff member and two agents, each agent with a customer.

Users are written through the services with one password hash computed once per run (argon2 costs
~50 ms a hash) and their tokens issued directly; the login endpoint is tested in test_auth.py.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.kit.app import app_fixture
from tests.kit.world import Blueprint, Records, World, world_fixture

PASSWORD = "Str0ng-Pass!"
INDONESIA, AUSTRALIA = 360, 36


@cache
def password_hash() -> str:
    from chalicelib.core.auth.passwords import hash_password

    return hash_password(PASSWORD)


def _user(world: World, name: str, role: str) -> Any:
    from chalicelib.products.revisbali.services import users

    return users.create_user(f"{name}@revisbali.test", role, PASSWORD, first_name=name.title(), last_name="Tester",
                             password_hash=password_hash())


def _principal(user: Any) -> Any:
    from chalicelib.products.revisbali.services import users

    return users.principal_of(user)


def customer_body(**overrides: Any) -> dict[str, Any]:
    body = {"firstName": "Alice", "lastName": "Johnson", "email": "alice.j@example.com",
            "phoneNumber": "+62812987654", "customerType": "individual", "countryId": INDONESIA}
    body.update(overrides)
    return body


def _countries(world: World, owner: str, index: int) -> int:
    from chalicelib.products.revisbali.services.countries import seed_countries

    return seed_countries()


def _customer(world: World, owner: str, index: int) -> Any:
    from chalicelib.products.revisbali.schemas import CustomerIn
    from chalicelib.products.revisbali.services import customers, users

    body = CustomerIn.model_validate(customer_body(firstName=f"Client{index}", lastName=owner.title(),
                                                   email=f"client{index}@example.com"))
    return customers.create_customer(users.principal_of(world.users[owner]), body)


WORLD = Blueprint(
    users={"admin": "admin", "staff": "staff", "agent": "agent", "other_agent": "agent"},
    create_user=_user, principal_of=_principal,
    records=(Records("countries", ("admin",), _countries), Records("customers", ("agent", "other_agent"), _customer)))

app = app_fixture("revisbali")
world = world_fixture(WORLD)
