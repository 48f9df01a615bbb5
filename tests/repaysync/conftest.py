"""RepaySync fixtures: a small seeded world (users of every role, two officers' customers and loans).

Users are written directly with one password hash computed once per session (argon2 costs ~50 ms a
hash) and their tokens are issued directly; the login endpoint itself is tested in test_auth.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import pytest

from tests.kit.http import Http

PASSWORD = "Str0ng-Pass!"


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


@dataclass
class World:
    http: Http
    users: dict[str, Any] = field(default_factory=dict)
    auth: dict[str, dict[str, str]] = field(default_factory=dict)
    customers: dict[str, Any] = field(default_factory=dict)
    loans: dict[str, Any] = field(default_factory=dict)

    def as_(self, name: str) -> dict[str, str]:
        return self.auth[name]


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


@pytest.fixture()
def world(http) -> World:
    """admin, manager, two collection officers (officer, other_officer), a calling agent; one customer
    and one loan per officer."""
    from chalicelib.products.repaysync import services
    from chalicelib.products.repaysync.schemas import CustomerIn, LoanIn

    world = World(http)
    world.users["admin"] = make_user("admin", "admin")
    world.users["manager"] = make_user("manager", "manager")
    world.users["officer"] = make_user("officer", "collection_officer", manager=world.users["manager"].id)
    world.users["other_officer"] = make_user("other_officer", "collection_officer")
    world.users["agent"] = make_user("agent", "calling_agent")
    for name, user in world.users.items():
        world.auth[name] = bearer(user)
    for index, owner in enumerate(("officer", "other_officer")):
        customer = services.create_customer(CustomerIn.model_validate(customer_body(
            name=f"Customer of {owner}", customer_code=f"CUST{index}", email=f"c{index}@example.com",
            assigned_collection_officer=world.users[owner].id)))
        world.customers[owner] = customer
        world.loans[owner] = services.create_loan(LoanIn(
            loan_account_number=f"LN{index}", principal_amount=Decimal("50000.00"), interest_rate=Decimal("10.50"),
            loan_type="personal", tenure_months=12, loan_date=date(2025, 3, 9), customer=customer.id))
    return world
