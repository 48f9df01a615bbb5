"""VST auth: login by phone, self-registration of customers, refresh, me, admin password reset."""

from __future__ import annotations

import json

from tests.vst.conftest import PASSWORD, make_user, new_phone


def body(response):
    return json.loads(response.body)


def login(http, phone, password=PASSWORD):
    return http.post("/api/auth/login/", {"phone": phone, "password": password})


def test_login_by_phone_in_any_spelling_returns_tokens_that_work(http, world):
    user = make_user("worker")
    national = f"{user.phone[3:8]} {user.phone[8:]}"  # 98000 00001: read as an Indian number
    for spelling in (user.phone, national, f"+91-{user.phone[3:]}"):
        response = login(http, spelling)
        assert response.status_code == 200, response.body
        tokens = body(response)
        me = http.get("/api/auth/me/", {"Authorization": f"Bearer {tokens['access']}"})
        assert body(me)["id"] == user.id and body(me)["role"] == "worker"


def test_login_refusals(http, world):
    user = make_user("customer")
    assert login(http, user.phone, "wrong-password").status_code == 401
    assert body(login(http, new_phone())) == {"detail": "No active account found with the given credentials."}
    bad = http.post("/api/auth/login/", {"phone": "12", "password": PASSWORD})
    assert bad.status_code == 400 and "phone" in body(bad)
    assert http.post("/api/auth/login/", {"phone": user.phone}).status_code == 400
    assert http.post("/api/auth/login/", {"phone": user.phone + "\u0000", "password": "x"}).status_code == 400


def test_login_is_throttled_per_phone(http, world):
    user = make_user("customer")
    statuses = [login(http, user.phone, "wrong-password").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert login(http, user.phone).status_code == 429  # locked even with the right password


def test_the_seeded_admin_logs_in_with_the_documented_phone(http, world):
    from chalicelib.products.vst.services import users

    with world.settings():
        admin = users.seed_admin("admin12345")
        assert users.seed_admin("other-password").id == admin.id  # idempotent, password kept
    response = login(http, "+919000000001", "admin12345")
    assert response.status_code == 200
    me = body(http.get("/api/auth/me/", {"Authorization": f"Bearer {body(response)['access']}"}))
    assert me["role"] == "admin" and me["phone"] == "+919000000001"
    with world.settings():
        users.seed_admin("bootstrap-pass", reset=True)  # make bootstrap-admin: a new password, still one admin
    assert login(http, "+919000000001", "admin12345").status_code == 401
    assert login(http, "+919000000001", "bootstrap-pass").status_code == 200


def test_registration_makes_a_logged_in_customer_whatever_role_is_sent(http, world):
    phone = new_phone()
    response = http.post("/api/auth/token/register/", {"name": "Ramesh", "phone": phone[3:], "password": PASSWORD,
                                                      "role": "admin", "region": "rajapalayam"})
    assert response.status_code == 201, response.body
    me = body(http.get("/api/auth/me/", {"Authorization": f"Bearer {body(response)['access']}"}))
    assert me == {"id": me["id"], "name": "Ramesh", "phone": phone, "role": "customer", "region": "rajapalayam",
                  "address": None}
    assert login(http, phone).status_code == 200


def test_registration_refuses_bad_input_and_a_taken_phone(http, world):
    taken = world.users["customer"].phone
    response = http.post("/api/auth/token/register/", {"name": "Dup", "phone": taken, "password": PASSWORD})
    assert response.status_code == 400
    assert body(response) == {"phone": ["A user with this phone number already exists."]}
    cases = [{"phone": new_phone(), "password": PASSWORD},  # no name
             {"name": "A", "phone": "not a phone", "password": PASSWORD},
             {"name": "A", "phone": new_phone(), "password": "12345678"},  # all digits
             {"name": "A", "phone": new_phone(), "password": "short"},
             {"name": "A\u202e", "phone": new_phone(), "password": PASSWORD}]
    for case in cases:
        refused = http.post("/api/auth/token/register/", case)
        assert refused.status_code == 400, (case, refused.body)
    assert http.post("/api/auth/token/register/", b"{not json").status_code == 400


def test_refresh_rotates_and_a_used_token_is_refused(http, world):
    user = make_user("customer")
    first = body(login(http, user.phone))
    response = http.post("/api/auth/token/refresh/", {"refresh": first["refresh"]})
    assert response.status_code == 200 and set(body(response)) == {"access", "refresh"}
    assert http.post("/api/auth/token/refresh/", {"refresh": first["refresh"]}).status_code == 401
    assert http.post("/api/auth/token/refresh/", {"refresh": "garbage"}).status_code == 401
    assert http.post("/api/auth/token/refresh/", {}).status_code == 400


def test_me_needs_a_token(http, world):
    assert http.get("/api/auth/me/").status_code == 401
    assert http.get("/api/auth/me/", {"Authorization": "Bearer nope"}).status_code == 401
    assert http.patch("/api/auth/me/", {"name": "x"}).status_code == 401


def test_me_patch_changes_name_and_address_but_never_role_phone_or_region(http, world):
    user = make_user("customer", region="rajapalayam")
    headers = world.auth.setdefault("me_patch", {})
    from tests.vst.conftest import bearer

    headers.update(bearer(user))
    response = http.patch("/api/auth/me/", {"name": "Ramesh Kumar", "address": "Updated address", "role": "admin",
                                            "phone": new_phone(), "region": "madurai"}, headers)
    assert response.status_code == 200, response.body
    assert body(response) == {"id": user.id, "name": "Ramesh Kumar", "phone": user.phone, "role": "customer",
                              "region": "rajapalayam", "address": "Updated address"}
    assert body(http.get("/api/auth/me/", headers))["role"] == "customer"
    for bad in ({"name": None}, {"name": ""}, {"address": "x" * 501}, {"name": "a\u0007"}):
        assert http.patch("/api/auth/me/", bad, headers).status_code == 400, bad
    assert body(http.patch("/api/auth/me/", {"address": None}, headers))["address"] is None
