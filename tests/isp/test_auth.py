"""ISP auth: register (users.create only), login by e-mail, refresh with rotation, logout, me."""

from __future__ import annotations

from tests.isp.conftest import PASSWORD, make_user


def _login(http, email: str, password: str = PASSWORD, expect: int = 200):
    return http.as_(None).post("/api/auth/login/", {"email": email, "password": password}, expect=expect)


def test_login_by_email_in_any_case_answers_tokens_and_the_user(world, http):
    body = _login(http, "SALES@Example.com").json_body
    assert body["user"] == {"id": world.users["sales"].id, "email": "sales@example.com", "username": "sales"}
    assert body["access"] and body["refresh"]
    me = http.as_(body["access"]).get("/api/users/me/", expect=200).json_body
    assert me["role"] == "sales_person" and me["role_id"] == 2 and "prospects.view" in me["permissions"]


def test_login_refuses_a_wrong_password_an_unknown_email_and_bad_input(world, http):
    assert _login(http, "sales@example.com", "wrong-pass", 401).json_body == {
        "detail": "No active account found with the given credentials."}
    _login(http, "nobody@example.com", expect=401)
    assert "email" in http.post("/api/auth/login/", {"email": "not-an-email", "password": "x"}, expect=400).json_body
    assert "password" in http.post("/api/auth/login/", {"email": "a@example.com"}, expect=400).json_body


def test_a_deactivated_user_can_neither_log_in_nor_refresh(world, http):
    refresh = _login(http, "sales@example.com").json_body["refresh"]
    world.client("manager").patch(f"/api/users/{world.users['sales'].id}/", {"is_active": False}, expect=200)
    _login(http, "sales@example.com", expect=401)
    http.as_(None).post("/api/auth/refresh/", {"refresh": refresh}, expect=401)


def test_refresh_rotates_and_a_used_refresh_token_is_refused(world, http):
    first = _login(http, "sales@example.com").json_body["refresh"]
    pair = http.as_(None).post("/api/auth/refresh/", {"refresh": first}, expect=200).json_body
    assert pair["access"] and pair["refresh"] != first
    http.as_(None).post("/api/auth/refresh/", {"refresh": first}, expect=401)
    http.as_(None).post("/api/auth/refresh/", {"refresh": "garbage"}, expect=401)
    http.as_(None).post("/api/auth/refresh/", {}, expect=400)


def test_logout_revokes_the_refresh_token_and_answers_205(world, http):
    tokens = _login(http, "sales@example.com").json_body
    caller = http.as_(tokens["access"])
    answer = caller.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, expect=205)
    assert answer.json_body == {"detail": "Logged out"}
    http.as_(None).post("/api/auth/refresh/", {"refresh": tokens["refresh"]}, expect=401)
    caller.get("/api/users/me/", expect=401)  # the session's access tokens end with it


def test_logout_with_a_missing_or_bad_token_is_400_and_without_a_login_401(world, http):
    tokens = _login(http, "sales@example.com").json_body
    caller = http.as_(tokens["access"])
    assert "refresh" in caller.post("/api/auth/logout/", {}, expect=400).json_body
    assert "refresh" in caller.post("/api/auth/logout/", {"refresh": "not-a-token"}, expect=400).json_body
    http.as_(None).post("/api/auth/logout/", {"refresh": tokens["refresh"]}, expect=401)


def test_logout_of_another_users_refresh_token_is_403(world, http):
    theirs = _login(http, "other_sales@example.com").json_body["refresh"]
    world.client("sales").post("/api/auth/logout/", {"refresh": theirs}, expect=403)
    http.as_(None).post("/api/auth/refresh/", {"refresh": theirs}, expect=200)  # still theirs to use


def test_admins_register_sales_people_who_can_log_in(world, http):
    body = {"email": "New@Example.com", "username": "newbie", "password": "Password123!"}
    created = world.client("manager").post("/api/auth/register/", body, expect=201).json_body
    assert created == {"id": created["id"], "email": "New@example.com", "username": "newbie"}
    _login(http, "new@example.com", "Password123!")
    detail = world.client("manager").get(f"/api/users/{created['id']}/", expect=200).json_body
    assert detail["role_name"] == "sales_person" and detail["is_active"] is True


def test_register_refuses_a_taken_email_or_username_weak_passwords_and_other_roles(world, http):
    admin = world.client("super")
    taken = admin.post("/api/auth/register/", {"email": "SALES@example.com", "username": "x1",
                                               "password": "Password123!"}, expect=400).json_body
    assert taken == {"email": ["user with this email already exists."]}
    admin.post("/api/auth/register/", {"email": "x2@example.com", "username": "Sales", "password": "Password123!"},
               expect=400)
    admin.post("/api/auth/register/", {"email": "x3@example.com", "username": "x3", "password": "12345678"},
               expect=400)
    for name in ("sales", "accountant"):
        world.client(name).post("/api/auth/register/", {"email": "x4@example.com", "username": "x4",
                                                        "password": "Password123!"}, expect=403)
    http.as_(None).post("/api/auth/register/", {}, expect=401)


def test_me_needs_a_token(world, http):
    http.as_(None).get("/api/users/me/", expect=401)
    assert world.client("accountant").get("/api/users/me/", expect=200).json_body["permissions"] == [
        "bills.create", "bills.delete", "bills.export", "bills.import", "bills.update", "bills.view"]


def test_the_seeded_super_admin_logs_in_and_seeding_again_changes_nothing(world, http):
    from chalicelib.core.config import using_settings
    from chalicelib.products.isp.services import users

    with using_settings(world.app.crm_product.settings):
        first = users.seed_admin("admin12345")
        again = users.seed_admin("other-pass-1")
    assert first.id == again.id
    assert _login(http, "admin@example.com", "admin12345").json_body["user"]["username"] == "admin"
    with using_settings(world.app.crm_product.settings):
        users.seed_admin("New-Pass-99", reset=True)
    _login(http, "admin@example.com", "admin12345", expect=401)
    _login(http, "admin@example.com", "New-Pass-99")


def test_an_inactive_user_created_as_such_cannot_log_in(world, http):
    from chalicelib.core.config import using_settings

    with using_settings(world.app.crm_product.settings):
        make_user("dormant", "sales_person", active=False)
    _login(http, "dormant@example.com", expect=401)
