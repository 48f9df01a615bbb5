"""/users/: admins manage everyone, managers their sales users (counsellors); DELETE deactivates."""

from __future__ import annotations

import pytest

from tests.leads.conftest import PASSWORD, form

NEW = {"username": "counsellor1", "password": "An0ther-Pass!", "first_name": "Asha", "last_name": "Rao",
       "email": "asha@leads.test"}


def test_a_manager_creates_a_sales_user_who_logs_in(world, http):
    created = world.client("manager").post("/users/", NEW, expect=201).json_body
    assert {k: v for k, v in created.items() if k not in ("id", "date_joined")} == {
        "username": "counsellor1", "email": "asha@leads.test", "first_name": "Asha", "last_name": "Rao",
        "role": "sales", "is_active": True}
    login = http.post("/login/", {"username": "Counsellor1", "password": NEW["password"]}, expect=200).json_body
    assert login["user"]["id"] == created["id"]
    assert world.client("manager").get(f"/users/{created['id']}/", expect=200).json_body == created


def test_a_form_body_creates_a_user_too(world):
    created = form(world.client("admin"), "POST", "/users/", {**NEW, "role": "manager"}, expect=201).json_body
    assert created["role"] == "manager"


def test_a_manager_creates_only_sales_users(world):
    for role in ("manager", "admin"):
        assert world.client("manager").post("/users/", {**NEW, "role": role}, expect=403).json_body == {
            "error": "Managers can only create sales users."}


@pytest.mark.parametrize(("change", "field"), [
    ({"username": "admin"}, "username"), ({"username": "ADMIN"}, "username"),
    ({"username": "\u0430dmin"}, "username"),  # a Cyrillic a
    ({"username": "two words"}, "username"), ({"username": ""}, "username"),
    ({"password": "short1"}, "password"), ({"password": "1234567890"}, "password"),
    ({"role": "boss"}, "role"), ({"email": "not-an-email"}, "email"), ({"first_name": "x\u0000"}, "first_name"),
    ({"first_name": "x" * 151}, "first_name")])
def test_create_refuses_bad_input(world, change, field):
    body = world.client("admin").post("/users/", {**NEW, **change}, expect=400).json_body
    assert list(body) == ["error", "errors"] and field in body["errors"]


def test_admins_list_everyone_managers_the_sales_users(world):
    everyone = world.client("admin").get("/users/", expect=200).json_body
    assert [user["username"] for user in everyone] == ["admin", "manager", "sales", "other_sales"]
    page = world.client("admin").get("/users/?page_size=2", expect=200)
    assert len(page.json_body) == 2 and 'rel="next"' in page.headers["Link"]
    managers = world.client("admin").get("/users/?role=manager", expect=200).json_body
    assert [user["username"] for user in managers] == ["manager"]
    seen = world.client("manager").get("/users/", expect=200).json_body
    assert [user["username"] for user in seen] == ["sales", "other_sales"]
    assert world.client("manager").get("/users/?role=admin", expect=200).json_body == []
    world.client("admin").get("/users/?role=boss", expect=400)
    world.client("admin").get("/users/?page_size=0", expect=400)
    world.client("admin").get("/users/?cursor=forged", expect=400)


def test_a_manager_sees_no_other_role(world):
    manager = world.client("manager")
    for name in ("admin", "manager"):
        user_id = world.users[name].id
        manager.get(f"/users/{user_id}/", expect=404)
        manager.patch(f"/users/{user_id}/", {"first_name": "X"}, expect=404)
        manager.delete(f"/users/{user_id}/", expect=404)
    manager.get("/users/99999/", expect=404)
    manager.get("/users/abc/", expect=404)


def test_sales_users_manage_nobody(world):
    sales = world.client("sales")
    assert sales.get("/users/", expect=403).json_body == {"error": "You do not have permission to perform this action."}
    sales.post("/users/", NEW, expect=403)
    sales.get(f"/users/{world.users['sales'].id}/", expect=403)


def test_a_manager_deactivates_and_restores_a_sales_user_by_form(world, http):
    sales = world.users["sales"]
    manager = world.client("manager")
    assert form(manager, "PATCH", f"/users/{sales.id}/", {"is_active": "false"}, expect=200).json_body[
        "is_active"] is False
    http.post("/login/", {"username": "sales", "password": PASSWORD}, expect=401)
    manager.patch(f"/users/{sales.id}/", {"is_active": True, "first_name": "Renamed"}, expect=200)
    login = http.post("/login/", {"username": "sales", "password": PASSWORD}, expect=200).json_body
    assert login["user"]["first_name"] == "Renamed"


def test_roles_change_by_admins_only(world):
    sales = world.users["sales"]
    assert world.client("manager").patch(f"/users/{sales.id}/", {"role": "manager"}, expect=403).json_body == {
        "error": "Only admins can change a user's role."}
    world.client("manager").patch(f"/users/{sales.id}/", {"role": "sales"}, expect=200)
    assert world.client("admin").patch(f"/users/{sales.id}/", {"role": "manager"}, expect=200).json_body[
        "role"] == "manager"


@pytest.mark.parametrize("value", [0, "false", None.__class__.__name__])
def test_is_active_is_a_json_boolean(world, value):
    sales = world.users["sales"]
    body = world.client("admin").patch(f"/users/{sales.id}/", {"is_active": value}, expect=400).json_body
    assert "is_active" in body["errors"]


def test_a_new_password_and_a_deactivation_at_once(world, http):
    sales = world.users["sales"]
    world.client("admin").patch(f"/users/{sales.id}/", {"is_active": False, "password": "Br4nd-New-Pass!"},
                                expect=200)
    world.client("admin").patch(f"/users/{sales.id}/", {"is_active": True}, expect=200)
    http.post("/login/", {"username": "sales", "password": "Br4nd-New-Pass!"}, expect=200)


def test_delete_deactivates_and_nobody_deactivates_themselves(world):
    sales, admin = world.users["sales"], world.users["admin"]
    world.client("manager").delete(f"/users/{sales.id}/", expect=204)
    assert world.client("admin").get(f"/users/{sales.id}/", expect=200).json_body["is_active"] is False
    assert world.client("admin").delete(f"/users/{admin.id}/", expect=409).json_body == {
        "error": "You cannot deactivate yourself."}
    world.client("admin").patch(f"/users/{admin.id}/", {"is_active": False}, expect=409)
    world.client("admin").patch(f"/users/{admin.id}/", {"role": "sales"}, expect=409)
