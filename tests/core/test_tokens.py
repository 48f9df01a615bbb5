"""Refresh rotation (single use), logout, users who are gone, and signing-key rotation."""

from __future__ import annotations

import json

import jwt
import pytest

from chalicelib.core.auth.keys import keyring
from chalicelib.core.auth.principal import Principal
from chalicelib.core.auth.tokens import TokenRejected


@pytest.fixture(autouse=True)
def _fast(cheap_passwords, fast_keys):
    """These tests are about tokens, not hashing or key generation."""


def login(core, username: str = "alice", password: str = "s3cret-pass"):
    return core.client.http.post("/api/token/", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"username": username, "password": password}).encode())


def refresh(core, token: str):
    return core.client.http.post("/api/token/refresh/", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"refresh": token}).encode())


def test_login_issues_cognito_shaped_tokens(core_app):
    response = login(core_app)
    assert response.status_code == 200, response.body
    access = jwt.decode(response.json_body["access"], options={"verify_signature": False})
    refresh_claims = jwt.decode(response.json_body["refresh"], options={"verify_signature": False})
    assert access["token_use"] == "access" and refresh_claims["token_use"] == "refresh"
    assert access["sub"] == "1" and access["username"] == "alice"
    assert access["cognito:groups"] == ["calling_agent"]
    assert access["client_id"] == "repaysync-web" and access["iss"].endswith("/repaysync")
    assert access["exp"] - access["iat"] == 60 * 60
    assert refresh_claims["exp"] - refresh_claims["iat"] == 24 * 60 * 60
    assert access["jti"] != refresh_claims["jti"]
    assert jwt.get_unverified_header(response.json_body["access"])["kid"] == keyring.current.kid


def test_refresh_rotates_and_a_used_refresh_token_is_refused(core_app):
    first = login(core_app).json_body
    second = refresh(core_app, first["refresh"])
    assert second.status_code == 200, second.body
    assert second.json_body["refresh"] != first["refresh"]
    me = core_app.client.http.get("/api/me/", headers=core_app.auth(second.json_body["access"]))
    assert me.status_code == 200 and me.json_body["username"] == "alice"
    replay = refresh(core_app, first["refresh"])
    assert replay.status_code == 401
    assert replay.json_body == {"error": "Token has already been used."}


def test_a_replayed_refresh_token_revokes_its_whole_family_but_not_other_logins(core_app):
    """OAuth reuse detection: a burnt token coming back means one copy was stolen, and we cannot tell
    the thief's copy from the owner's, so every token rotated from that login stops working."""
    first = login(core_app).json_body
    other_session = login(core_app).json_body
    second = refresh(core_app, first["refresh"]).json_body
    assert refresh(core_app, first["refresh"]).status_code == 401  # the replay
    refused = refresh(core_app, second["refresh"])
    assert refused.status_code == 401 and refused.json_body == {"error": "Token has been revoked."}
    assert refresh(core_app, other_session["refresh"]).status_code == 200


def test_access_token_cannot_refresh(core_app):
    first = login(core_app).json_body
    assert refresh(core_app, first["access"]).status_code == 401
    assert refresh(core_app, "garbage").status_code == 401


def test_logout_revokes_the_refresh_token(core_app):
    pair = login(core_app).json_body
    response = core_app.client.http.post("/api/logout/", headers={"Content-Type": "application/json"},
                                         body=json.dumps({"refresh": pair["refresh"]}).encode())
    assert response.status_code == 204
    assert refresh(core_app, pair["refresh"]).status_code == 401
    with pytest.raises(TokenRejected):
        core_app.tokens.revoke(pair["refresh"])  # a second logout with the same token is refused too


def test_user_who_is_gone_cannot_refresh(core_app):
    pair = login(core_app).json_body
    core_app.users["alice"].active = False
    response = refresh(core_app, pair["refresh"])
    assert response.status_code == 401
    assert response.json_body == {"error": "User is inactive or no longer exists."}


def test_refresh_carries_the_users_current_roles(core_app):
    pair = login(core_app).json_body
    core_app.users["alice"].roles = frozenset({"manager"})
    rotated = refresh(core_app, pair["refresh"]).json_body
    claims = jwt.decode(rotated["access"], options={"verify_signature": False})
    assert claims["cognito:groups"] == ["manager"]


def test_token_signed_before_key_rotation_still_verifies(core_app, monkeypatch):
    import time

    old_kid = keyring.current.kid
    token = core_app.token()
    fresh = keyring.rotate(grace_seconds=3600)
    assert keyring.current.kid == fresh.kid != old_kid
    assert core_app.client.http.get("/api/me/", headers=core_app.auth(token)).status_code == 200
    new_token = core_app.token()
    assert jwt.get_unverified_header(new_token)["kid"] == fresh.kid
    assert core_app.client.http.get("/api/me/", headers=core_app.auth(new_token)).status_code == 200
    jwks = core_app.client.http.get("/.well-known/jwks.json").json_body
    assert [key["kid"] for key in jwks["keys"]] == [fresh.kid, old_kid]
    assert all("d" not in key and key["alg"] == "RS256" and key["use"] == "sig" for key in jwks["keys"])
    # once the grace has passed the retired key stops verifying and leaves the JWKS
    later = time.time() + 3601
    monkeypatch.setattr("chalicelib.core.auth.keys._now", lambda: later)
    assert core_app.client.http.get("/api/me/", headers=core_app.auth(token)).status_code == 401
    assert core_app.client.http.get("/api/me/", headers=core_app.auth(new_token)).status_code == 200
    jwks = core_app.client.http.get("/.well-known/jwks.json").json_body
    assert [key["kid"] for key in jwks["keys"]] == [fresh.kid]


def test_jwks_verifies_our_tokens_with_a_standard_client(core_app):
    token = core_app.token()
    jwks = core_app.client.http.get("/.well-known/jwks.json").json_body
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["sub"] == "1"


def test_another_process_picks_up_a_rotated_key(core_app, monkeypatch):
    """A warm Lambda that loaded the keys before a rotation elsewhere still accepts the new key's tokens."""
    from chalicelib.core.auth.keys import KeyRing

    elsewhere = KeyRing()
    keyring.current  # noqa: B018  (this process has the old key loaded)
    fresh = elsewhere.rotate(grace_seconds=3600)
    token = jwt.encode(core_app.tokens._claims(Principal("1", "alice", frozenset()), "access", 5),
                       elsewhere.private_key(fresh), algorithm="RS256", headers={"kid": fresh.kid})
    monkeypatch.setattr("chalicelib.core.auth.keys.RELOAD_AFTER_SECONDS", 0)
    assert core_app.client.http.get("/api/me/", headers=core_app.auth(token)).status_code == 200


def test_logout_ends_the_access_tokens_of_that_session(core_app):
    """Access tokens carry their session (`fam`); the authorizer refuses a revoked one with one GetItem."""
    session, other = login(core_app).json_body, login(core_app).json_body
    assert jwt.decode(session["access"], options={"verify_signature": False})["fam"] == \
        jwt.decode(session["refresh"], options={"verify_signature": False})["fam"]
    rotated = refresh(core_app, session["refresh"]).json_body
    core_app.tokens.revoke(rotated["refresh"])
    for access in (session["access"], rotated["access"]):
        assert core_app.client.http.get("/api/me/", headers=core_app.auth(access)).status_code == 401
    assert core_app.client.http.get("/api/me/", headers=core_app.auth(other["access"])).status_code == 200


def test_a_replayed_refresh_token_ends_the_familys_access_tokens_too(core_app):
    first = login(core_app).json_body
    second = refresh(core_app, first["refresh"]).json_body
    assert refresh(core_app, first["refresh"]).status_code == 401  # the replay
    assert core_app.client.http.get("/api/me/", headers=core_app.auth(second["access"])).status_code == 401


def test_revoke_checks_the_owner(core_app):
    from chalicelib.core.auth.tokens import TokenNotYours

    pair = login(core_app).json_body
    with pytest.raises(TokenNotYours):
        core_app.tokens.revoke(pair["refresh"], subject="2")
    assert refresh(core_app, pair["refresh"]).status_code == 200
