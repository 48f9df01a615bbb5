"""Roles as data: the permission catalogue, roles CRUD, assigning a role, a custom role working exactly
for its permissions, a change of rights taking effect, the menu filtered by rights."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.isp.conftest import token_of
from tests.kit.bodies import multipart


def test_permissions_are_listed_for_those_who_may_see_roles(world, http):
    listed = world.client("manager").get("/api/auth/permissions/", expect=200).json_body
    codes = [p["codename"] for p in listed]
    assert "bills.view" in codes and "customers.view_all" in codes and len(codes) == len(set(codes))
    assert listed[0] == {"id": 1, "codename": "dashboard.view", "name": "View the dashboard", "module": "dashboard"}
    world.client("sales").get("/api/auth/permissions/", expect=403)
    http.as_(None).get("/api/auth/permissions/", expect=401)


def test_a_role_from_a_form_reads_its_permissions_as_a_list(world):
    """A browser's form: one codename is a list of one; a description that looks like JSON is just text."""
    admin = world.client("manager")
    data, content_type = multipart({"name": "night_desk", "permissions": "bills.view",
                                    "description": '{"shift": "night"}'}, {})
    created = admin.call("POST", "/api/auth/roles/", headers={"Content-Type": content_type}, data=data,
                         expect=201).json_body
    assert (created["permissions"], created["description"]) == (["bills.view"], '{"shift": "night"}')
    form = urlencode([("permissions", "bills.view"), ("permissions", "bills.export")])
    patched = admin.call("PATCH", f"/api/auth/roles/{created['id']}/", data=form.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}, expect=200).json_body
    assert patched["permissions"] == ["bills.export", "bills.view"]
    refused = admin.call("PATCH", f"/api/auth/roles/{created['id']}/", data=b"permissions=no.such",
                         headers={"Content-Type": "application/x-www-form-urlencoded"}, expect=400).json_body
    assert "permissions" in str(refused)


def test_built_in_roles_are_seeded_with_their_rights(world):
    listed = world.client("manager").get("/api/auth/roles/", expect=200).json_body
    by_name = {role["name"]: role for role in listed}
    assert [by_name[n]["id"] for n in ("super_admin", "sales_person", "admin")] == [1, 2, 3]
    assert by_name["sales_person"]["is_builtin"] and not by_name["accountant"]["is_builtin"]
    assert "users.view" not in by_name["sales_person"]["permissions"]
    assert set(by_name["super_admin"]["permissions"]) == set(by_name["admin"]["permissions"])


def test_roles_crud(world):
    admin = world.client("manager")
    created = admin.post("/api/auth/roles/", {"name": "auditor", "description": "Reads bills",
                                              "permissions": ["bills.view", "bills.view"]}, expect=201).json_body
    assert (created["name"], created["permissions"], created["is_builtin"]) == ("auditor", ["bills.view"], False)
    path = f"/api/auth/roles/{created['id']}/"
    assert admin.get(path, expect=200).json_body == created
    patched = admin.patch(path, {"permissions": ["bills.view", "bills.export"]}, expect=200).json_body
    assert patched["permissions"] == ["bills.export", "bills.view"] and patched["description"] == "Reads bills"
    put = admin.put(path, {"name": "auditor", "permissions": []}, expect=200).json_body
    assert (put["permissions"], put["description"]) == ([], "")
    admin.delete(path, expect=204)
    admin.get(path, expect=404)


def test_roles_refuse_bad_input_duplicates_renames_and_unknown_permissions(world):
    admin = world.client("manager")
    assert admin.post("/api/auth/roles/", {"name": "accountant"}, expect=400).json_body == {
        "name": ["A role with this name already exists."]}
    admin.post("/api/auth/roles/", {"name": "Bad Name"}, expect=400)
    assert "permissions.0" in admin.post("/api/auth/roles/", {"name": "x_role", "permissions": ["bills.fly"]},
                                       expect=400).json_body
    accountant = f"/api/auth/roles/{world.users['accountant'].role}/"
    assert "name" in admin.patch(accountant, {"name": "bookkeeper"}, expect=400).json_body
    admin.patch("/api/auth/roles/987654/", {"description": "x"}, expect=404)


def test_built_in_roles_are_not_deleted_nor_is_super_admin_narrowed(world):
    boss = world.client("super")
    for role_id in (1, 2, 3):
        boss.delete(f"/api/auth/roles/{role_id}/", expect=403)
    boss.patch("/api/auth/roles/1/", {"permissions": ["bills.view"]}, expect=403)
    boss.patch("/api/auth/roles/1/", {"description": "The owners"}, expect=200)


def test_a_role_held_by_users_cannot_be_deleted(world):
    admin = world.client("manager")
    role_id = world.users["accountant"].role
    assert admin.delete(f"/api/auth/roles/{role_id}/", expect=409).json_body["detail"].startswith("This role")
    admin.post(f"/api/auth/assign-role/{world.users['accountant'].id}/", {"role": "sales_person"}, expect=200)
    admin.delete(f"/api/auth/roles/{role_id}/", expect=204)


def test_an_accountant_uses_exactly_the_routes_of_its_permissions(world):
    accountant = world.client("accountant")
    accountant.get("/api/users/", expect=403)
    accountant.get("/api/auth/roles/", expect=403)
    accountant.post("/api/auth/roles/", {"name": "sneaky", "permissions": ["users.view"]}, expect=403)
    assert world.client("manager").get("/api/users/", expect=200)  # the admin still may


def test_a_change_of_a_roles_rights_takes_effect_without_a_new_token(world):
    accountant = world.client("accountant")
    accountant.get("/api/users/", expect=403)
    role = f"/api/auth/roles/{world.users['accountant'].role}/"
    world.client("manager").patch(role, {"permissions": ["users.view"]}, expect=200)
    assert len(accountant.get("/api/users/", expect=200).json_body) == 5
    world.client("manager").patch(role, {"permissions": []}, expect=200)
    accountant.get("/api/users/", expect=403)


def test_assign_role_by_name_reaches_the_users_next_token(world, http):
    admin = world.client("manager")
    sales = world.users["sales"]
    assert admin.post(f"/api/auth/assign-role/{sales.id}/", {"role": "accountant"}, expect=200).json_body == {
        "detail": "Role assigned"}
    admin.get(f"/api/users/{sales.id}/", expect=200)
    sales.refresh()
    me = http.as_(token_of(world.app, sales)).get("/api/users/me/", expect=200).json_body
    assert (me["role"], me["role_id"]) == ("accountant", world.users["accountant"].role)
    assert "role" in admin.post(f"/api/auth/assign-role/{sales.id}/", {"role": "nosuch"}, expect=400).json_body
    admin.post(f"/api/auth/assign-role/{sales.id}/", {}, expect=400)
    admin.post("/api/auth/assign-role/987654/", {"role": "admin"}, expect=404)
    world.client("other_sales").post(f"/api/auth/assign-role/{sales.id}/", {"role": "admin"}, expect=403)


def test_the_menu_shows_what_the_callers_rights_allow_in_order(world, http):
    def slugs(items):
        return [(item["slug"], slugs(item["children"])) for item in items]

    admin_menu = world.client("manager").get("/api/auth/menu/", expect=200).json_body
    assert [item["order"] for item in admin_menu] == sorted(item["order"] for item in admin_menu)
    assert slugs(admin_menu)[0] == ("dashboard", [])
    assert slugs(world.client("sales").get("/api/auth/menu/", expect=200).json_body) == [
        ("sales", [("prospects", []), ("customers", [])])]  # no export child, no other group
    assert slugs(world.client("accountant").get("/api/auth/menu/", expect=200).json_body) == [
        ("billing", [("bills", []), ("bill-export", []), ("bill-import", [])])]
    http.as_(None).get("/api/auth/menu/", expect=401)
