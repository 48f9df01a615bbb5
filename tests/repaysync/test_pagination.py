"""Every RepaySync list (the jobs list included), followed through its `Link` headers, gives every item
exactly once; cursors are signed and bound to their list, its filters and the caller (old unsigned
ones are 400)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.repaysync.conftest import customer_body, loan_body, make_user

HOST = "repaysync.example.com"
INVALID = {"errors": {"cursor": ["Invalid cursor."]}}
PAGE = 2  # every list below holds more than two pages of this size


def follow(world: Any, url: str, who: str) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, reading only what RFC 8288's `Link: <...>; rel="next"` points to."""
    headers = {**world.as_(who), "Host": HOST}
    items: list[dict[str, Any]] = []
    pages = 0
    while url:
        response = world.http.get(url, headers)
        assert response.status_code == 200, (url, response.json_body)
        items += response.json_body
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            assert "X-Next-Cursor" not in response.headers
            break
        target, _, rel = link.partition(";")
        assert rel.strip() == 'rel="next"' and target.startswith(f"<http://{HOST}/api/") and target.endswith(">")
        parts = urlsplit(target[1:-1])
        assert parse_qs(parts.query)["cursor"] == [response.headers["X-Next-Cursor"]]
        url = f"{parts.path}?{parts.query}"
    return items, pages


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


def _customers(world: Any, count: int, officer: str | None = None) -> list[int]:
    made = []
    for index in range(count):
        body = customer_body(name=f"Paged {officer} {index}", customer_code=None, email=f"p{officer}{index}@x.com",
                             assigned_collection_officer=world.users[officer].id if officer else None)
        response = world.http.post("/api/customers/", body, world.as_("admin"))
        assert response.status_code == 201, response.json_body
        made.append(response.json_body["id"])
    return made


def _loans(world: Any, customer: int, count: int, prefix: str) -> list[int]:
    made = []
    for index in range(count):
        response = world.http.post("/api/loans/", loan_body(customer, loan_account_number=f"{prefix}{index}"),
                                   world.as_("admin"))
        assert response.status_code == 201, response.json_body
        made.append(response.json_body["id"])
    return made


def test_users_and_pending_users_are_complete(world):
    for index in range(3):
        make_user(f"extra{index}", "calling_agent")
        response = world.http.post("/api/users/register/", {
            "username": f"waiting{index}", "email": f"waiting{index}@example.com", "role": "calling_agent",
            "password": "SomePassword123"})
        assert response.status_code == 201
    users, pages = follow(world, f"/api/users/?page_size={PAGE}", "manager")
    assert len(users) == 8 and len(set(ids(users))) == 8 and ids(users) == sorted(ids(users)) and pages == 4
    pending, pages = follow(world, f"/api/users/pending/?page_size={PAGE}", "admin")
    assert [user["username"] for user in pending] == ["waiting0", "waiting1", "waiting2"] and pages == 2


def test_customers_and_loans_are_complete_for_each_scope(world):
    mine = _customers(world, 4, "officer")
    unassigned = _customers(world, 1)
    everyone = [world.customers["officer"].id, world.customers["other_officer"].id, *mine, *unassigned]
    listed, _ = follow(world, f"/api/customers/?page_size={PAGE}", "agent")
    assert ids(listed) == sorted(everyone)
    listed, _ = follow(world, f"/api/customers/?page_size={PAGE}", "officer")
    assert ids(listed) == sorted([world.customers["officer"].id, *mine])

    loans = _loans(world, mine[0], 3, "PGA") + _loans(world, unassigned[0], 2, "PGB")
    all_loans = sorted([world.loans["officer"].id, world.loans["other_officer"].id, *loans])
    listed, _ = follow(world, f"/api/loans/?page_size={PAGE}", "admin")
    assert ids(listed) == all_loans
    listed, _ = follow(world, f"/api/loans/?page_size={PAGE}", "officer")
    assert ids(listed) == sorted([world.loans["officer"].id, *loans[:3]])
    listed, pages = follow(world, f"/api/loans/customer/{mine[0]}/?page_size={PAGE}", "officer")
    assert ids(listed) == loans[:3] and pages == 2


def test_interactions_of_each_kind_are_complete_newest_first(world):
    loan = world.loans["officer"].id
    made: dict[str, list[int]] = {"field": [], "calling": []}
    for kind, who in (("field", "officer"), ("calling", "agent")):
        for index in range(5):
            response = world.http.post(f"/api/interactions/{kind}/create/", {
                "loan": loan, "comment": f"{kind} {index}", "disposition": "called"}, world.as_(who))
            assert response.status_code == 201, response.json_body
            made[kind].append(response.json_body["id"])
    for kind in ("field", "calling"):
        listed, pages = follow(world, f"/api/interactions/{kind}/loan/{loan}/?page_size={PAGE}", "manager")
        assert ids(listed) == made[kind][::-1] and pages == 3


def test_the_api_log_is_complete_across_day_partitions(world, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from chalicelib.core import audit

    start = datetime.now(UTC).replace(hour=23, minute=59, second=0, microsecond=0) - timedelta(days=1)
    moments = iter([start + timedelta(seconds=20 * step) for step in range(7)])  # crosses midnight
    real_now = audit.utcnow
    monkeypatch.setattr(audit, "utcnow", lambda: next(moments, None) or real_now())
    for index in range(7):
        world.http.get(f"/api/customers/{900 + index}/", world.as_("admin"))  # a 404 each: logged
    monkeypatch.setattr(audit, "utcnow", real_now)
    listed, _ = follow(world, f"/api/logs/?page_size={PAGE}", "admin")
    endpoints = [item["endpoint"] for item in listed if item["endpoint"].startswith("/api/customers/9")]
    assert endpoints == [f"/api/customers/{900 + index}/" for index in reversed(range(7))]
    assert len(set(ids(listed))) == len(listed) and ids(listed) == sorted(ids(listed), reverse=True)


def test_the_jobs_list_is_complete_for_the_owner_and_for_admins(world):
    made = []
    for index in range(5):
        response = world.http.post("/api/imports/presign/", {"import_type": "customers",
                                                             "filename": f"people{index}.csv"}, world.as_("manager"))
        assert response.status_code in (200, 201), response.json_body
        made.append(response.json_body["job_id"])
    for who in ("manager", "admin"):
        jobs, pages = follow(world, f"/api/jobs/?page_size={PAGE}", who)
        listed = [job["job_id"] for job in jobs]
        assert sorted(listed) == sorted(made) and len(listed) == 5 and pages == 3, who
        created = [job["created"] for job in jobs]
        assert created == sorted(created, reverse=True)  # newest first
    cursor = _next(world, "/api/jobs/?page_size=2", "manager")
    response = world.http.get(f"/api/jobs/?page_size=2&cursor={cursor}", world.as_("admin"))
    assert response.status_code == 400 and response.json_body == INVALID  # the manager's, not the admin's


def _next(world: Any, url: str, who: str) -> str:
    return world.http.get(url, world.as_(who)).headers["X-Next-Cursor"]


def test_cursors_are_bound_to_their_list_and_caller(world):
    mine = _customers(world, 3, "officer")
    users_cursor = _next(world, "/api/users/?page_size=2", "admin")
    customers_cursor = _next(world, "/api/customers/?page_size=2", "officer")
    loans = _loans(world, mine[0], 3, "BND")
    loans_cursor = _next(world, f"/api/loans/customer/{mine[0]}/?page_size=2", "officer")
    assert world.http.get(f"/api/customers/?cursor={customers_cursor}", world.as_("officer")).status_code == 200
    refused = [
        ("/api/customers/", users_cursor, "admin"),  # another list
        ("/api/users/pending/", users_cursor, "admin"),  # same index, another partition
        ("/api/customers/", customers_cursor, "other_officer"),  # another caller
        ("/api/customers/", customers_cursor, "admin"),
        (f"/api/loans/customer/{mine[1]}/", loans_cursor, "officer"),  # another customer's loans
        ("/api/loans/", loans_cursor, "officer"),
    ]
    for path, cursor, who in refused:
        response = world.http.get(f"{path}?cursor={cursor}", world.as_(who))
        assert response.status_code == 400 and response.json_body == INVALID, (path, who)
    assert loans


def test_old_unsigned_cursors_are_refused(world):
    """Before signed cursors, a cursor was the bare key in base64: such cursors are now 400."""
    key = {"kind": {"S": "user"}, "id": {"N": "2"}}
    old = base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")
    response = world.http.get(f"/api/users/?cursor={old}", world.as_("admin"))
    assert response.status_code == 400 and response.json_body == INVALID
