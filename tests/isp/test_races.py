"""Issue 8's guarantees under time and concurrency: a role's new rights reach a process that cached
the old ones within a minute, and two super_admins demoting each other at once leave one of them."""

from __future__ import annotations

import threading

from tests.isp.conftest import token_of
from tests.isp.test_users import NEW


def test_a_role_change_made_elsewhere_reaches_this_process_within_a_minute(world, monkeypatch):
    from chalicelib.products.isp.models import Role
    from chalicelib.products.isp.services.roles import RIGHTS

    now = [1000.0]
    monkeypatch.setattr(RIGHTS, "clock", lambda: now[0])
    accountant = world.client("accountant")
    accountant.get("/api/bills/", expect=200)  # the rights are cached here now
    role = Role.get(world.users["accountant"].role)
    role.update(actions=[Role.permissions.set(["bills.create"])])  # another Lambda's PATCH: no forget here
    now[0] += 59
    accountant.get("/api/bills/", expect=200)  # still the cached rights
    now[0] += 2
    accountant.get("/api/bills/", expect=403)  # a minute on: read again, without a new token


def test_two_super_admins_demoting_each_other_at_once_leave_one(world):
    boss = world.client("super")
    other = boss.post("/api/users/", {**NEW, "role": 1}, expect=201).json_body
    from chalicelib.products.isp.models import User

    as_other = world.http.as_(token_of(world.app, User.get(other["id"])))
    as_boss = world.http.as_(token_of(world.app, world.users["super"]))
    calls = [(as_boss, other["id"]), (as_other, world.users["super"].id)]
    start = threading.Barrier(len(calls))
    statuses: list[int] = []

    def demote(client, user_id: int) -> None:
        start.wait()
        statuses.append(client.post(f"/api/auth/assign-role/{user_id}/", {"role": "admin"}).status_code)

    threads = [threading.Thread(target=demote, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    supers = world.client("manager").get("/api/users/?role_name=super_admin&is_active=true", expect=200).json_body
    assert len(supers) == 1


def test_two_imports_racing_for_one_new_email_create_one_customer(world):
    from tests.isp.test_imports import CUSTOMER_HEADER, CUSTOMERS, customers_by_email, lines, send

    admin = world.client("manager")
    files = [lines(CUSTOMER_HEADER, f"Racer {n},,racer@example.com,,,,,,", f"Solo {n},,solo{n}@example.com,,,,,,")
             for n in range(2)]
    start = threading.Barrier(len(files))
    answers: list[dict] = []

    def run(data: bytes) -> None:
        start.wait()
        answers.append(send(admin, CUSTOMERS, data).json_body)

    threads = [threading.Thread(target=run, args=(data,)) for data in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(answer["created"] for answer in answers) == 3  # racer once, and each solo
    assert all(answer["processed"] == 2 for answer in answers)
    found = customers_by_email(admin)
    assert [email for email in found if email.startswith("racer")] == ["racer@example.com"]
    from chalicelib.products.isp.models import Customer

    assert len(list(Customer.email_index.query("racer@example.com"))) == 1


def test_a_file_over_the_row_cap_is_413_before_any_row_is_written(world, monkeypatch):
    from chalicelib.products.isp.services import imports
    from tests.isp.test_imports import CUSTOMER_HEADER, CUSTOMERS, customers_by_email, lines, send

    monkeypatch.setattr(imports.engine(), "_sync_max_rows", 2)
    admin = world.client("manager")
    answer = send(admin, CUSTOMERS, lines(CUSTOMER_HEADER, *(f"N{n},,n{n}@example.com,,,,,," for n in range(3))),
                  expect=413).json_body
    assert "/api/imports/presign/" in answer["detail"]
    assert "n0@example.com" not in customers_by_email(admin)
