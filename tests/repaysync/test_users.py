"""Registration (public and admin-only roles) and the users list."""

from __future__ import annotations

import pytest

from tests.repaysync.conftest import bearer, make_user


def _register(http, headers=None, **overrides):
    body = {"username": "johndoe", "email": "john@example.com", "role": "calling_agent", "manager": None,
            "password": "SomePassword123"}
    body.update(overrides)
    return http.post("/api/users/register/", body, headers)


@pytest.mark.parametrize("role", ["calling_agent", "collection_officer"])
def test_public_registration(http, role):
    response = _register(http, role=role)
    assert response.status_code == 201
    body = response.json_body
    assert body == {"id": body["id"], "username": "johndoe", "email": "john@example.com", "role": role,
                    "manager": None}
    assert "password" not in response.body.decode() and "argon2" not in response.body.decode()
    login = http.post("/api/auth/token/", {"username": "johndoe", "password": "SomePassword123"})
    assert login.status_code == 401  # pending until a manager or an admin approves the account


def test_a_self_registered_account_logs_in_once_a_manager_approves_it(world):
    registered = _register(world.http).json_body
    credentials = {"username": "johndoe", "password": "SomePassword123"}
    refused = world.http.post("/api/auth/token/", credentials)
    assert refused.status_code == 401
    assert refused.json_body == {"error": "No active account found with the given credentials."}
    pending = world.http.get("/api/users/pending/", world.as_("manager")).json_body
    assert [user["id"] for user in pending] == [registered["id"]]
    assert registered["id"] not in [u["id"] for u in world.http.get("/api/users/", world.as_("manager")).json_body]

    assert world.http.post(f"/api/users/{registered['id']}/approve/", None, world.as_("agent")).status_code == 403
    approved = world.http.post(f"/api/users/{registered['id']}/approve/", None, world.as_("manager"))

    assert approved.status_code == 200 and approved.json_body == registered
    assert world.http.post("/api/auth/token/", credentials).status_code == 200
    assert world.http.get("/api/users/pending/", world.as_("admin")).json_body == []
    again = world.http.post(f"/api/users/{registered['id']}/approve/", None, world.as_("admin"))
    assert again.status_code == 200


def test_an_account_registered_by_a_manager_is_active_at_once(world):
    _register(world.http, world.as_("manager"), role="collection_officer")
    login = world.http.post("/api/auth/token/", {"username": "johndoe", "password": "SomePassword123"})
    assert login.status_code == 200


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_privileged_roles_need_an_admin(world, role):
    assert _register(world.http, role=role).status_code == 403
    assert _register(world.http, world.as_("manager"), role=role).status_code == 403
    assert _register(world.http, {"Authorization": "Bearer junk"}, role=role).status_code == 401
    created = _register(world.http, world.as_("admin"), role=role)
    assert created.status_code == 201 and created.json_body["role"] == role


def test_registration_with_manager(world):
    manager_id = world.users["manager"].id
    response = _register(world.http, role="collection_officer", manager=manager_id)
    assert response.status_code == 201 and response.json_body["manager"] == manager_id
    not_a_manager = _register(world.http, username="xx2", email="x2@example.com", manager=world.users["agent"].id)
    assert not_a_manager.status_code == 400 and "manager" in not_a_manager.json_body["errors"]


def test_username_and_email_are_unique(world):
    taken_name = _register(world.http, username="Officer", email="new@example.com")
    assert taken_name.status_code == 400
    assert "username" in taken_name.json_body["errors"]
    taken_email = _register(world.http, username="fresh", email="OFFICER@example.com")
    assert taken_email.status_code == 400
    assert "email" in taken_email.json_body["errors"]


def test_registration_validates_fields(http):
    response = _register(http, email="not-an-email", role="boss", password="short")
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"email", "role", "password"}
    assert _register(http, password="1234567890").status_code == 400
    missing = http.post("/api/users/register/", {})
    assert missing.status_code == 400
    assert missing.json_body["errors"]["username"] == ["This field is required."]


def test_list_users_for_managers_and_admins(world):
    for name in ("manager", "admin"):
        response = world.http.get("/api/users/", world.as_(name))
        assert response.status_code == 200
        usernames = [user["username"] for user in response.json_body]
        assert usernames == ["admin", "manager", "officer", "other_officer", "agent"]
        assert all(set(user) == {"id", "username", "email", "role", "manager"} for user in response.json_body)
    officer = next(u for u in response.json_body if u["username"] == "officer")
    assert officer["manager"] == world.users["manager"].id
    for name in ("officer", "agent"):
        assert world.http.get("/api/users/", world.as_(name)).status_code == 403
    assert world.http.get("/api/users/").status_code == 401


def test_list_users_is_paginated(world):
    first = world.http.get("/api/users/?page_size=2", world.as_("admin"))
    assert len(first.json_body) == 2
    cursor = first.headers["X-Next-Cursor"]
    second = world.http.get(f"/api/users/?page_size=2&cursor={cursor}", world.as_("admin"))
    assert [u["username"] for u in second.json_body] == ["officer", "other_officer"]
    assert world.http.get("/api/users/?page_size=501", world.as_("admin")).status_code == 400
    assert world.http.get("/api/users/?cursor=%%%", world.as_("admin")).status_code == 400


def test_token_of_a_fresh_user_works(http):
    user = make_user("solo", "manager")
    assert http.get("/api/users/", bearer(user)).status_code == 200


def test_foreign_cursor_is_400(world):
    from chalicelib.core.http import encode_cursor

    cursor = encode_cursor({"nope": {"S": "x"}})
    response = world.http.get(f"/api/customers/?cursor={cursor}", world.as_("admin"))
    assert response.status_code == 400 and "cursor" in response.json_body["errors"]
