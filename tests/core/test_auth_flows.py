"""core.auth.flows through the core test app's routes: login (by username or email), lockout, refresh,
logout, `me`, change password (earlier refresh tokens die) and a route with optional auth."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest

from tests.core.conftest import GOOD_PASSWORD

NEW_PASSWORD = "a-brand-new-pass"


def post(core: Any, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return core.client.http.post(path, headers={"Content-Type": "application/json", **(headers or {})},
                                 body=json.dumps(body).encode())


def login(core: Any, username: str = "alice", password: str = GOOD_PASSWORD) -> Any:
    return post(core, "/api/token/", {"username": username, "password": password})


def refresh(core: Any, token: str) -> Any:
    return post(core, "/api/token/refresh/", {"refresh": token})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def change_password(core: Any, access: str, old: str = GOOD_PASSWORD, new: str = NEW_PASSWORD) -> Any:
    return post(core, "/api/auth/password/", {"old_password": old, "new_password": new}, bearer(access))


def flows(core: Any) -> Any:
    return core.product.resolve_user.__self__  # Product.resolve_user is the AuthFlows' resolve


# -- login ---------------------------------------------------------------------------------------
def test_login_issues_a_pair_for_the_user(core_app):
    response = login(core_app)
    assert response.status_code == 200, response.body
    claims = jwt.decode(response.json_body["access"], options={"verify_signature": False})
    assert (claims["sub"], claims["username"], claims["cognito:groups"]) == ("1", "alice", ["calling_agent"])
    assert abs(claims["iat_ms"] - claims["iat"] * 1000) < 1000


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong-pass"), ("nobody", GOOD_PASSWORD)])
def test_wrong_password_and_unknown_user_answer_the_same_401(core_app, username, password):
    response = login(core_app, username, password)
    assert response.status_code == 401
    assert response.json_body == {"error": "No active account found with the given credentials."}


def test_a_user_who_may_not_log_in_answers_like_a_wrong_password(core_app):
    core_app.users["alice"].active = False
    response = login(core_app)
    assert response.status_code == 401
    assert response.json_body == {"error": "No active account found with the given credentials."}


def test_the_product_chooses_the_login_identifier(core_app):
    flows(core_app).store.login_field = "email"
    assert login(core_app, "Alice@Example.com").status_code == 200
    assert login(core_app, "alice").status_code == 401  # the username is no longer an identifier


def test_lockout_answers_429_even_for_the_right_password(core_app, cheap_passwords):
    for _ in range(5):
        assert login(core_app, password="wrong-pass").status_code == 401
    locked = login(core_app)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


# -- refresh and logout ----------------------------------------------------------------------------
def test_refresh_rotates_and_logout_ends_the_session(core_app, cheap_passwords):
    pair = login(core_app).json_body
    rotated = refresh(core_app, pair["refresh"])
    assert rotated.status_code == 200
    assert post(core_app, "/api/logout/", {"refresh": rotated.json_body["refresh"]}).status_code == 204
    assert refresh(core_app, rotated.json_body["refresh"]).status_code == 401
    again = post(core_app, "/api/logout/", {"refresh": rotated.json_body["refresh"]})
    assert again.status_code == 400 and again.json_body == {"errors": {"refresh": ["Token has been revoked."]}}


# -- me ----------------------------------------------------------------------------------------
def test_me_is_the_callers_user_record(core_app, cheap_passwords):
    access = login(core_app).json_body["access"]
    response = core_app.client.http.get("/api/auth/me/", headers=bearer(access))
    assert response.status_code == 200
    assert response.json_body == {"sub": "1", "username": "alice", "email": "alice@example.com",
                                  "roles": ["calling_agent"]}
    assert core_app.client.http.get("/api/auth/me/").status_code == 401
    core_app.users["alice"].active = False
    gone = core_app.client.http.get("/api/auth/me/", headers=bearer(access))
    assert gone.status_code == 401 and gone.json_body == {"error": "User is inactive or no longer exists."}


# -- change password -------------------------------------------------------------------------------
def test_change_password_kills_earlier_refresh_tokens(core_app):
    first = login(core_app).json_body
    other_session = login(core_app).json_body
    changed = change_password(core_app, first["access"])
    assert changed.status_code == 200, changed.body
    for earlier in (first["refresh"], other_session["refresh"]):
        refused = refresh(core_app, earlier)
        assert refused.status_code == 401 and refused.json_body == {"error": "Token has been revoked."}
    assert refresh(core_app, changed.json_body["refresh"]).status_code == 200  # the new session lives
    assert login(core_app).status_code == 401
    after = login(core_app, password=NEW_PASSWORD)
    assert after.status_code == 200
    assert refresh(core_app, after.json_body["refresh"]).status_code == 200


def test_change_password_needs_the_old_password_and_counts_guesses(core_app):
    access = login(core_app).json_body["access"]
    wrong = change_password(core_app, access, old="not-it")
    assert wrong.status_code == 400 and wrong.json_body == {"errors": {"old_password": ["Wrong password."]}}
    for _ in range(4):
        assert change_password(core_app, access, old="not-it").status_code == 400
    assert change_password(core_app, access).status_code == 429  # the login lockout counts them too
    assert core_app.client.http.post("/api/auth/password/", body=b"{}").status_code == 401


# -- optional auth ---------------------------------------------------------------------------------
def test_optional_auth_without_a_token_is_anonymous(core_app):
    response = core_app.client.http.get("/api/hello/")
    assert response.status_code == 200 and response.json_body == {"caller": None}


def test_optional_auth_with_a_valid_token_names_the_caller(core_app):
    response = core_app.client.http.get("/api/hello/", headers=core_app.auth())
    assert response.status_code == 200 and response.json_body == {"caller": "alice"}


@pytest.mark.parametrize(("header", "message"), [
    ("Bearer not-a-token", "Token is invalid."),
    ("Basic YWxpY2U6cw==", "Authorization header must be 'Bearer <token>'."),
])
def test_optional_auth_with_an_invalid_token_is_401(core_app, header, message):
    response = core_app.client.http.get("/api/hello/", headers={"Authorization": header})
    assert response.status_code == 401 and response.json_body == {"error": message}


def test_optional_auth_refuses_a_logged_out_session(core_app, cheap_passwords):
    pair = login(core_app).json_body
    assert post(core_app, "/api/logout/", {"refresh": pair["refresh"]}).status_code == 204
    response = core_app.client.http.get("/api/hello/", headers=bearer(pair["access"]))
    assert response.status_code == 401 and response.json_body == {"error": "Token has been revoked."}


def test_optional_auth_in_the_openapi_document(core_app):
    from chalicelib.core.openapi import build_document

    operation = build_document(core_app.product.api)["paths"]["/api/hello/"]["get"]
    assert operation["security"] == [{}, {"bearerAuth": []}]
    assert "401" in operation["responses"]


def test_an_unknown_auth_mode_is_refused_at_declaration(core_app):
    with pytest.raises(ValueError, match="auth must be"):
        core_app.product.api.route("/api/x/", auth="maybe")


def test_a_user_table_store_reads_subjects_as_ascii_ids_and_refuses_inactive_users():
    from types import SimpleNamespace

    from chalicelib.core.auth.flows import UserTableStore

    class Store(UserTableStore):
        login_field = "email"
        users = {7: SimpleNamespace(password_hash="h", tokens_valid_after=None, is_active=False)}

        def get(self, user_id):
            return self.users.get(user_id)

    store = Store()
    assert store.find_by_subject("7") is Store.users[7]
    assert store.find_by_subject("\u0667") is None and store.find_by_subject("7.0") is None  # Arabic-Indic 7
    assert store.find_by_subject("8") is None
    assert store.password_hash(Store.users[7]) == "h" and store.tokens_valid_after(Store.users[7]) is None
    assert store.can_log_in(Store.users[7]) is False
    assert store.can_log_in(SimpleNamespace()) is True  # a model without is_active: every user is active
