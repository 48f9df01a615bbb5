"""POST /api/token/ and /api/token/refresh/: the spec's shapes, coded errors, 401 without a token."""

from __future__ import annotations

from tests.revisbali.conftest import PASSWORD


def test_login_answers_token_refresh_and_user(world, http):
    body = http.post("/api/token/", {"username": "AGENT@revisbali.test", "password": PASSWORD}, expect=200).json_body
    assert set(body) == {"token", "refresh", "user"}
    assert body["user"] == {"id": world.users["agent"].id, "email": "agent@revisbali.test", "firstName": "Agent",
                            "lastName": "Tester", "role": "agent"}
    http.as_(body["token"]).get("/api/customers/", expect=200)


def test_bad_credentials_are_a_coded_400(world, http):
    for credentials in ({"username": "agent@revisbali.test", "password": "wrong"},
                        {"username": "nobody@revisbali.test", "password": PASSWORD}):
        assert http.post("/api/token/", credentials, expect=400).json_body == {
            "code": "authentication_failed",
            "errors": {"nonFieldErrors": ["Unable to log in with provided credentials."]}}


def test_login_refuses_a_missing_field(world, http):
    body = http.post("/api/token/", {"username": "agent@revisbali.test"}, expect=400).json_body
    assert body["code"] == "validation_error" and "password" in body["errors"]


def test_refresh_rotates_and_answers_access(world, http):
    login = http.post("/api/token/", {"username": "staff@revisbali.test", "password": PASSWORD}, expect=200).json_body
    fresh = http.post("/api/token/refresh/", {"refresh": login["refresh"]}, expect=200).json_body
    assert set(fresh) == {"access", "refresh"}
    http.as_(fresh["access"]).get("/api/countries/", expect=200)
    used = http.post("/api/token/refresh/", {"refresh": login["refresh"]}, expect=401).json_body
    assert used["code"] == "authentication_failed"


def test_missing_token_is_401_in_the_documented_shape(world, http):
    body = http.get("/api/customers/", expect=401).json_body
    assert body["code"] == "authentication_failed" and set(body["errors"]) == {"detail"}
    assert http.as_("not-a-token").get("/api/customers/", expect=401).json_body["code"] == "authentication_failed"
