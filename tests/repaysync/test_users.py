"""Registration (public and admin-only roles) and the users list."""

from __future__ import annotations

import pytest

from tests.repaysync.conftest import bearer, customer_body, make_user

NOT_PENDING = {"error": "This user is not waiting for approval."}


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
    assert again.status_code == 409 and again.json_body == NOT_PENDING


def test_an_account_registered_by_a_manager_is_active_at_once(world):
    _register(world.http, world.as_("manager"), role="collection_officer")
    login = world.http.post("/api/auth/token/", {"username": "johndoe", "password": "SomePassword123"})
    assert login.status_code == 200


def test_a_token_sent_to_register_must_be_valid(world):
    """Register has optional auth: no token is an anonymous sign-up, an invalid one is a 401 for every
    role (it used to be ignored for agents and officers)."""
    refused = _register(world.http, {"Authorization": "Bearer junk"}, role="calling_agent")
    assert refused.status_code == 401 and refused.json_body == {"error": "Token is invalid."}
    assert _register(world.http, role="calling_agent").status_code == 201


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
    cursor = world.http.get("/api/users/?page_size=1", world.as_("admin")).headers["X-Next-Cursor"]
    response = world.http.get(f"/api/customers/?cursor={cursor}", world.as_("admin"))
    assert response.status_code == 400 and "cursor" in response.json_body["errors"]


# -- pending registrations: reject, no assignments, rate limit -------------------------------------
def test_a_rejected_registration_is_gone_and_frees_its_name_and_email(world):
    registered = _register(world.http).json_body
    path = f"/api/users/{registered['id']}/reject/"
    assert world.http.post(path, None, world.as_("agent")).status_code == 403
    rejected = world.http.post(path, None, world.as_("manager"))
    assert rejected.status_code == 200 and rejected.json_body == {"detail": "Registration rejected."}
    assert world.http.get("/api/users/pending/", world.as_("admin")).json_body == []
    approve = world.http.post(f"/api/users/{registered['id']}/approve/", None, world.as_("admin"))
    assert approve.status_code == 404 and approve.json_body == {"error": "User not found."}
    assert world.http.post(path, None, world.as_("admin")).status_code == 404
    login = world.http.post("/api/auth/token/", {"username": "johndoe", "password": "SomePassword123"})
    assert login.status_code == 401
    again = _register(world.http, world.as_("admin"))  # the username and the email are free again
    assert again.status_code == 201 and again.json_body["id"] != registered["id"]


def test_an_active_user_cannot_be_rejected_or_approved(world):
    for action in ("reject", "approve"):
        response = world.http.post(f"/api/users/{world.users['agent'].id}/{action}/", None, world.as_("admin"))
        assert response.status_code == 409 and response.json_body == NOT_PENDING
    assert world.http.get("/api/users/", world.as_("admin")).status_code == 200
    assert any(u["username"] == "agent" for u in world.http.get("/api/users/", world.as_("admin")).json_body)


def test_a_pending_officer_cannot_be_assigned_customers(world):
    pending = _register(world.http, role="collection_officer").json_body
    expected = {"errors": {"assigned_collection_officer": [
        f'Invalid pk "{pending["id"]}" - no collection officer with this id.']}}
    created = world.http.post("/api/customers/", customer_body(customer_code="NEW1", email="n1@example.com",
                                                               assigned_collection_officer=pending["id"]),
                              world.as_("manager"))
    assert created.status_code == 400 and created.json_body == expected
    customer = world.customers["officer"].id
    patched = world.http.patch(f"/api/customers/{customer}/", {"assigned_collection_officer": pending["id"]},
                               world.as_("admin"))
    assert patched.status_code == 400 and patched.json_body == expected


def test_a_pending_officer_is_refused_in_a_bulk_import(world):
    pending = _register(world.http, role="collection_officer").json_body
    csv = ("name,phone,address_line_1,city,state,pincode,assigned_collection_officer\n"
           f"Jane,+91-9876543211,1 Road,Kolkata,WB,700001,{pending['id']}\n").encode()
    response = world.http.client.http.post(
        "/api/customers/bulk/upload/", body=b"--b\r\nContent-Disposition: form-data; name=\"file\"; "
        b"filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\n" + csv + b"\r\n--b--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b", **world.as_("admin")})
    assert response.status_code == 201, response.body
    assert response.json_body["records_created"] == 0 and "assigned_collection_officer" in str(
        response.json_body["errors"])


def test_a_pending_user_cannot_be_named_a_manager(world):
    from chalicelib.products.repaysync import services

    pending_manager = services.create_user("pm", "pm@example.com", "manager", "SomePassword123",
                                          password_hash="x", active=False)
    response = _register(world.http, role="collection_officer", manager=pending_manager.id)
    assert response.status_code == 400
    assert response.json_body == {"errors": {"manager": [
        f'Invalid pk "{pending_manager.id}" - no manager with this id.']}}


def test_public_registration_is_rate_limited_per_address(world, monkeypatch):
    from chalice import local

    monkeypatch.setattr(local.LambdaEventConverter, "LOCAL_SOURCE_IP", "203.0.113.5")
    for index in range(5):
        assert _register(world.http, username=f"newuser{index}", email=f"newuser{index}@example.com").status_code == 201
    refused = _register(world.http, username="newuser5", email="newuser5@example.com")
    assert refused.status_code == 429
    assert refused.json_body == {"error": "Too many registrations from this address; try again later."}
    assert 59 * 60 < int(refused.headers["Retry-After"]) <= 60 * 60
    # an admin's registrations are not public ones; another address has its own budget
    by_admin = _register(world.http, world.as_("admin"), username="newuser6", email="newuser6@example.com")
    assert by_admin.status_code == 201
    monkeypatch.setattr(local.LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.5")
    assert _register(world.http, username="newuser7", email="newuser7@example.com").status_code == 201


def test_the_registration_limit_is_a_setting(http, monkeypatch):
    from chalicelib.core.config import reset_settings

    monkeypatch.setenv("CRM_REGISTER_PER_ADDRESS", "1")
    monkeypatch.setenv("CRM_REGISTER_WINDOW_MINUTES", "2")
    reset_settings()
    try:
        assert _register(http).status_code == 201
        refused = _register(http, username="other", email="other@example.com")
        assert refused.status_code == 429 and 60 < int(refused.headers["Retry-After"]) <= 120
    finally:  # settings are cached per process: forget these once the environment is restored
        monkeypatch.undo()
        reset_settings()
