"""/login/, /token/refresh/ and /logout/: tokens and the user, rotation, a session that ends, forms."""

from __future__ import annotations

from tests.leads.conftest import PASSWORD, form


def test_login_answers_tokens_and_the_user(world, http):
    body = http.post("/login/", {"username": "MANAGER", "password": PASSWORD}, expect=200).json_body
    assert set(body) == {"access", "refresh", "user"}
    user = body["user"]
    assert {k: v for k, v in user.items() if k != "date_joined"} == {
        "id": world.users["manager"].id, "username": "manager", "email": "manager@leads.test",
        "first_name": "Manager", "last_name": "", "role": "manager", "is_active": True}
    http.as_(body["access"]).get("/users/", expect=200)


def test_login_takes_a_form_as_the_spec_sends_it(world, http):
    body = form(http, "POST", "/login/", {"username": "manager", "password": PASSWORD}, expect=200).json_body
    assert body["user"]["role"] == "manager"


def test_bad_credentials_are_401_in_the_error_shape(world, http):
    for credentials in ({"username": "sales", "password": "wrong"}, {"username": "nobody", "password": PASSWORD}):
        assert http.post("/login/", credentials, expect=401).json_body == {
            "error": "No active account found with the given credentials."}


def test_login_refuses_missing_fields(world, http):
    assert http.post("/login/", {"username": "sales"}, expect=400).json_body == {
        "error": "password: This field is required.", "errors": {"password": ["This field is required."]}}
    http.call("POST", "/login/", data=b"{not json", headers={"Content-Type": "application/json"}, expect=400)


def test_refresh_rotates(world, http):
    login = http.post("/login/", {"username": "manager", "password": PASSWORD}, expect=200).json_body
    fresh = http.post("/token/refresh/", {"refresh": login["refresh"]}, expect=200).json_body
    assert set(fresh) == {"access", "refresh"}
    http.as_(fresh["access"]).get("/users/", expect=200)
    http.post("/token/refresh/", {"refresh": login["refresh"]}, expect=401)  # used up


def test_logout_ends_the_session(world, http):
    login = http.post("/login/", {"username": "manager", "password": PASSWORD}, expect=200).json_body
    me = http.as_(login["access"])
    assert me.post("/logout/", {"refresh": login["refresh"]}, expect=200).json_body == {"success": True}
    http.post("/token/refresh/", {"refresh": login["refresh"]}, expect=401)
    me.get("/users/", expect=401)  # its access tokens too


def test_logout_of_someone_elses_session_is_403(world, http):
    theirs = http.post("/login/", {"username": "other_sales", "password": PASSWORD}, expect=200).json_body
    world.client("sales").post("/logout/", {"refresh": theirs["refresh"]}, expect=403)
    world.client("sales").post("/logout/", {"refresh": "not-a-token"}, expect=400)
    http.post("/logout/", {"refresh": theirs["refresh"]}, expect=401)


def test_a_deactivated_user_cannot_log_in(world, http):
    sales = world.users["sales"]
    world.client("manager").delete(f"/users/{sales.id}/", expect=204)
    http.post("/login/", {"username": "sales", "password": PASSWORD}, expect=401)
