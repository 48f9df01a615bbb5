"""ISP users CRUD (users.* permissions): the spec's shape, filters, who may change whom, the last super_admin."""

from __future__ import annotations

from tests.isp.conftest import token_of

NEW = {"email": "newuser@example.com", "username": "newuser", "password": "Password123!", "first_name": "John",
       "last_name": "Doe", "role": 2, "is_active": True}
FIELDS = {"id", "email", "username", "first_name", "last_name", "role", "role_name", "is_active", "created_at",
          "updated_at"}


def test_create_answers_the_spec_shape_and_get_finds_it(world):
    admin = world.client("manager")
    created = admin.post("/api/users/", NEW, expect=201).json_body
    assert set(created) == FIELDS
    assert (created["role"], created["role_name"], created["first_name"]) == (2, "sales_person", "John")
    assert admin.get(f"/api/users/{created['id']}/", expect=200).json_body == created


def test_create_refuses_bad_input_a_taken_email_and_an_unknown_role(world):
    admin = world.client("manager")
    assert set(admin.post("/api/users/", {"email": "x"}, expect=400).json_body) >= {"email", "username", "password"}
    assert admin.post("/api/users/", {**NEW, "email": "Sales@Example.com"}, expect=400).json_body == {
        "email": ["user with this email already exists."]}
    assert "role" in admin.post("/api/users/", {**NEW, "role": 999}, expect=400).json_body
    assert "role" in admin.post("/api/users/", {**NEW, "role": "2"}, expect=400).json_body


def test_list_is_the_users_in_id_order_with_filters(world):
    admin = world.client("manager")
    everyone = admin.get("/api/users/", expect=200).json_body
    assert [u["username"] for u in everyone] == ["super", "manager", "sales", "other_sales", "accountant"]
    newest = admin.get("/api/users/?ordering=-id", expect=200).json_body
    assert [u["id"] for u in newest] == sorted((u["id"] for u in everyone), reverse=True)
    sales = admin.get("/api/users/?role=2", expect=200).json_body
    assert [u["username"] for u in sales] == ["sales", "other_sales"]
    assert admin.get("/api/users/?role_name=sales_person", expect=200).json_body == sales
    assert admin.get("/api/users/?role_name=nosuchrole", expect=200).json_body == []
    admin.patch(f"/api/users/{world.users['other_sales'].id}/", {"is_active": False}, expect=200)
    active_sales = admin.get("/api/users/?role=2&is_active=true", expect=200).json_body
    assert [u["username"] for u in active_sales] == ["sales"]
    inactive = admin.get("/api/users/?is_active=false", expect=200).json_body
    assert [u["username"] for u in inactive] == ["other_sales"]
    page = admin.get("/api/users/?page_size=2", expect=200)
    assert len(page.json_body) == 2 and 'rel="next"' in page.headers["Link"]


def test_search_finds_users_by_word_prefixes_of_name_email_and_username(world):
    admin = world.client("manager")
    assert [u["username"] for u in admin.get("/api/users/?search=accou", expect=200).json_body] == ["accountant"]
    assert [u["username"] for u in admin.get("/api/users/?search=other", expect=200).json_body] == ["other_sales"]
    found = admin.get("/api/users/?search=tester&role=2", expect=200).json_body
    assert [u["username"] for u in found] == ["sales", "other_sales"]
    assert "search" in admin.get("/api/users/?search=ab", expect=400).json_body


def test_list_refuses_bad_filters(world):
    admin = world.client("manager")
    for query in ("role=x", "is_active=maybe", "ordering=email", "page_size=0"):
        admin.get(f"/api/users/?{query}", expect=400)


def test_put_and_patch_change_a_user_and_move_the_email(world, http):
    admin = world.client("manager")
    user_id = world.users["sales"].id
    changed = admin.patch(f"/api/users/{user_id}/", {"email": "updated@example.com", "role": 3}, expect=200).json_body
    assert (changed["email"], changed["role"], changed["role_name"]) == ("updated@example.com", 3, "admin")
    put = admin.put(f"/api/users/{user_id}/", {"email": "sales@example.com", "username": "seller", "role": 2},
                    expect=200).json_body
    assert (put["username"], put["first_name"], put["role_name"]) == ("seller", "", "sales_person")
    # the old address is free again, the new one taken
    admin.post("/api/users/", {**NEW, "email": "updated@example.com", "username": "u2"}, expect=201)
    assert admin.patch(f"/api/users/{user_id}/", {"email": "ACCOUNTANT@example.com"}, expect=400).json_body == {
        "email": ["user with this email already exists."]}


def test_update_refuses_bad_input_and_unknown_users(world):
    admin = world.client("manager")
    user_id = world.users["sales"].id
    admin.patch(f"/api/users/{user_id}/", {"email": None}, expect=400)
    admin.patch(f"/api/users/{user_id}/", {"role": 999}, expect=400)
    admin.put(f"/api/users/{user_id}/", {"email": "a@example.com"}, expect=400)
    admin.patch("/api/users/987654/", {"first_name": "x"}, expect=404)
    admin.get("/api/users/987654/", expect=404)
    admin.delete("/api/users/987654/", expect=404)


def test_sales_people_and_accountants_may_not_manage_users(world, http):
    target = world.users["other_sales"].id
    for name in ("sales", "accountant"):
        caller = world.client(name)
        caller.get("/api/users/", expect=403)
        caller.get(f"/api/users/{target}/", expect=403)
        caller.patch(f"/api/users/{target}/", {"first_name": "x"}, expect=403)
        caller.delete(f"/api/users/{target}/", expect=403)
    http.as_(None).get("/api/users/", expect=401)


def test_an_admin_cannot_change_or_delete_a_super_admin_nor_make_one(world):
    admin = world.client("manager")
    super_id = world.users["super"].id
    admin.patch(f"/api/users/{super_id}/", {"role": 3}, expect=403)
    admin.patch(f"/api/users/{super_id}/", {"is_active": False}, expect=403)
    admin.delete(f"/api/users/{super_id}/", expect=403)
    admin.patch(f"/api/users/{world.users['sales'].id}/", {"role": 1}, expect=403)
    admin.post("/api/users/", {**NEW, "role": 1}, expect=403)
    admin.post(f"/api/auth/assign-role/{world.users['sales'].id}/", {"role": "super_admin"}, expect=403)
    assert world.client("super").get(f"/api/users/{super_id}/", expect=200).json_body["role_name"] == "super_admin"


def test_the_last_active_super_admin_cannot_be_removed(world):
    boss = world.client("super")
    super_id = world.users["super"].id
    other = boss.post("/api/users/", {**NEW, "role": 1}, expect=201).json_body
    boss.patch(f"/api/users/{other['id']}/", {"is_active": False}, expect=200)  # two were active: fine
    boss.patch(f"/api/users/{super_id}/", {"is_active": False}, expect=409)  # not oneself
    as_other = world.http.as_(token_of(world.app, world.users["super"]))
    boss.patch(f"/api/users/{other['id']}/", {"is_active": True}, expect=200)
    boss.delete(f"/api/users/{other['id']}/", expect=204)
    last = {"detail": "The last active super_admin cannot be deleted, deactivated or given another role."}
    assert as_other.post(f"/api/auth/assign-role/{super_id}/", {"role": "admin"}, expect=409).json_body == last


def test_a_super_admin_may_demote_another_while_one_stays(world):
    boss = world.client("super")
    other = boss.post("/api/users/", {**NEW, "role": 1}, expect=201).json_body
    boss.post(f"/api/auth/assign-role/{other['id']}/", {"role": "admin"}, expect=200)
    assert boss.get(f"/api/users/{other['id']}/", expect=200).json_body["role_name"] == "admin"


def test_delete_removes_the_user_and_frees_their_email(world, http):
    admin = world.client("manager")
    user_id = world.users["other_sales"].id
    admin.delete(f"/api/users/{user_id}/", expect=204)
    admin.get(f"/api/users/{user_id}/", expect=404)
    assert "other_sales" not in [u["username"] for u in admin.get("/api/users/", expect=200).json_body]
    assert admin.get("/api/users/?search=other", expect=200).json_body == []
    admin.post("/api/users/", {**NEW, "email": "other_sales@example.com", "username": "other_sales"}, expect=201)
    admin.delete(f"/api/users/{world.users['manager'].id}/", expect=409)  # not oneself
