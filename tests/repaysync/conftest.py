"""RepaySync fixtures: its app on a fresh stage (`app`) and a small seeded world (`world`: users of every
role, two officers' customers and loans), both from the test kit (tests/kit/README.md).

Users are written through the services with one password hash computed once per run (argon2 costs
~50 ms a hash) and their tokens are issued directly; the login endpoint itself is tested in test_auth.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from tests.kit.app import app_fixture
from tests.kit.world import Blueprint, Records, World, world_fixture

PASSWORD = "Str0ng-Pass!"
OFFICERS = ("officer", "other_officer")


@cache
def password_hash() -> str:
    from chalicelib.core.auth.passwords import hash_password

    return hash_password(PASSWORD)


def tokens() -> Any:
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.products.repaysync.wiring import build

    return product_tokens(build())


def make_user(username: str, role: str, *, manager: int | None = None) -> Any:
    from chalicelib.products.repaysync import services

    return services.create_user(username, f"{username}@example.com", role, PASSWORD, manager=manager,
                               password_hash=password_hash())


def bearer(user: Any) -> dict[str, str]:
    from chalicelib.products.repaysync import services

    return {"Authorization": f"Bearer {tokens().issue(services.principal_of(user)).access}"}


def customer_body(**overrides: Any) -> dict[str, Any]:
    body = {"customer_code": None, "name": "John Doe", "phone": "+91-9876543210", "email": "john@example.com",
            "assigned_collection_officer": None, "address_line_1": "123 Main St", "address_line_2": "Apt 4B",
            "city": "Kolkata", "state": "WB", "pincode": "700001", "date_of_birth": "1990-01-01"}
    body.update(overrides)
    return body


def loan_body(customer: int, **overrides: Any) -> dict[str, Any]:
    body = {"loan_account_number": "LN12345", "principal_amount": "50000.00", "interest_rate": "10.50",
            "loan_type": "personal", "tenure_months": 12, "loan_date": "2025-03-09", "customer": customer}
    body.update(overrides)
    return body


# -- the seeded world ---------------------------------------------------------------------------------
def _user(world: World, name: str, role: str) -> Any:
    """`officer` reports to `manager`; everyone else to nobody."""
    return make_user(name, role, manager=world.users["manager"].id if name == "officer" else None)


def _principal(user: Any) -> Any:
    from chalicelib.products.repaysync import services

    return services.principal_of(user)


def _customer(world: World, owner: str, index: int) -> Any:
    from chalicelib.products.repaysync import services
    from chalicelib.products.repaysync.schemas import CustomerIn

    return services.create_customer(CustomerIn.model_validate(customer_body(
        name=f"Customer of {owner}", customer_code=f"CUST{index}", email=f"c{index}@example.com",
        assigned_collection_officer=world.users[owner].id)))


def _loan(world: World, owner: str, index: int) -> Any:
    from chalicelib.products.repaysync import services
    from chalicelib.products.repaysync.schemas import LoanIn

    return services.create_loan(LoanIn(
        loan_account_number=f"LN{index}", principal_amount=Decimal("50000.00"), interest_rate=Decimal("10.50"),
        loan_type="personal", tenure_months=12, loan_date=date(2025, 3, 9), customer=world.customers[owner].id))


WORLD = Blueprint(
    users={"admin": "admin", "manager": "manager", "officer": "collection_officer",
           "other_officer": "collection_officer", "agent": "calling_agent"},
    create_user=_user, principal_of=_principal,
    records=(Records("customers", OFFICERS, _customer), Records("loans", OFFICERS, _loan)))

app = app_fixture("repaysync")
world = world_fixture(WORLD)  # admin, manager, officer and other_officer, agent; one customer and loan per officer
