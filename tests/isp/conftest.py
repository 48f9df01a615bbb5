"""ISP fixtures from the test kit (tests/kit/README.md): its app on a fresh stage (`app`) and a seeded
world: the built-in roles, a super_admin, an admin, two sales people and an accountant (a role an admin
made, with bill permissions only).

Users are written through the services with one password hash computed once per run (argon2 costs
~50 ms a hash) and their tokens issued directly; the login endpoint is tested in test_auth.py. The
process's cache of role rights is emptied before each test (each test starts from the snapshot).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from tests.kit.app import app_fixture
from tests.kit.world import Blueprint, Records, World, world_fixture

PASSWORD = "Str0ng-Pass!"
ACCOUNTANT_RIGHTS = ["bills.create", "bills.delete", "bills.export", "bills.import", "bills.update", "bills.view"]


@cache
def password_hash() -> str:
    from chalicelib.core.auth.passwords import hash_password

    return hash_password(PASSWORD)


def _role(name: str) -> Any:
    from chalicelib.products.isp.schemas import RoleIn
    from chalicelib.products.isp.services import roles

    roles.ensure_builtin_roles()
    found = roles.find_by_name(name)
    if found is None:
        found = roles.create_role(RoleIn(name=name, description="Bills only", permissions=ACCOUNTANT_RIGHTS))
    return found


def make_user(name: str, role: str, *, active: bool = True) -> Any:
    from chalicelib.products.isp.services import users

    profile = users.Profile(f"{name}@example.com", name, name.title(), "Tester", _role(role), active)
    return users.create_user(None, profile, PASSWORD, password_hash=password_hash())


def _user(world: World, name: str, role: str) -> Any:
    return make_user(name, role)


def _principal(user: Any) -> Any:
    from chalicelib.products.isp.services import users

    return users.principal_of(user)


def prospect_body(**overrides: Any) -> dict[str, Any]:
    body = {"name": "Acme Prospect", "company_name": "Acme", "email": "p@acme.com", "phone": "+1 555 111 2222",
            "address": "456 Prospect Ave", "potential_revenue": 1000.00, "contact_person": "Jane Smith",
            "source": "website", "follow_up_date": "2025-12-01", "notes": "Interested in premium package"}
    body.update(overrides)
    return body


def customer_body(**overrides: Any) -> dict[str, Any]:
    body = {"name": "Acme Inc", "company_name": "Acme", "email": "c@acme.com", "phone": "+1 555 333 4444",
            "address": "123 Main St", "monthly_revenue": "5000.00", "potential_revenue": "10000.00"}
    body.update(overrides)
    return body


def _as(world: World, owner: str) -> Any:
    from chalicelib.products.isp.services import users

    return users.principal_of(world.users[owner])


def _prospect(world: World, owner: str, index: int) -> Any:
    from chalicelib.products.isp.schemas import ProspectIn
    from chalicelib.products.isp.services import prospects

    body = ProspectIn.model_validate(prospect_body(name=f"Prospect of {owner}", email=f"p{index}@acme.com",
                                                   source=("website", "referral")[index % 2]))
    return prospects.create_prospect(_as(world, owner), body)


def _customer(world: World, owner: str, index: int) -> Any:
    from chalicelib.products.isp.schemas import CustomerIn
    from chalicelib.products.isp.services import customers

    body = CustomerIn.model_validate(customer_body(name=f"Customer of {owner}", email=f"c{index}@acme.com"))
    return customers.create_customer(_as(world, owner), body)


SALES = ("sales", "other_sales")
RECORDS = (Records("prospects", SALES, _prospect), Records("customers", SALES, _customer))

WORLD = Blueprint(
    users={"super": "super_admin", "manager": "admin", "sales": "sales_person", "other_sales": "sales_person",
           "accountant": "accountant"},
    create_user=_user, principal_of=_principal)

app = app_fixture("isp")
world = world_fixture(WORLD)


@pytest.fixture(autouse=True)
def fresh_rights():
    """Rights cached by an earlier test describe a table that has since been restored."""
    from chalicelib.products.isp.services.roles import RIGHTS

    RIGHTS.forget()
    yield
    RIGHTS.forget()


def token_of(app: Any, user: Any) -> str:
    """A fresh access token of `user` as they are now (their current role)."""
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.core.config import using_settings
    from chalicelib.products.isp.services import users

    with using_settings(app.crm_product.settings):
        return product_tokens(app.crm_product).issue(users.principal_of(user)).access
