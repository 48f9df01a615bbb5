"""The built-in authorizer: every way a bearer token can be wrong is a 401; roles are a 403."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chalicelib.core.auth.keys import keyring
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.base import utcnow
from tests.core.conftest import spare_key

UNAUTHORIZED = {"error": "Authentication credentials were not provided or are invalid."}
FORBIDDEN = {"error": "You do not have permission to perform this action."}


def get_me(core, headers: dict[str, str] | None):
    return core.client.http.get("/api/me/", headers=headers or {})


def signed(core, **changes) -> str:
    """A token signed with the stage's key whose claims differ from a good one by `changes`."""
    claims = core.tokens._claims(Principal("1", "alice", frozenset({"calling_agent"})), "access", 60)
    claims.update(changes)
    return core.tokens._sign(claims)


def assert_401(response) -> None:
    assert response.status_code == 401, response.body
    assert response.json_body == UNAUTHORIZED


def test_valid_token_reaches_the_route_with_its_principal(core_app):
    response = get_me(core_app, core_app.auth(core_app.token("7", "asha", ("collection_officer", "manager"))))
    assert response.status_code == 200
    assert response.json_body["sub"] == "7" and response.json_body["username"] == "asha"
    assert response.json_body["roles"] == ["collection_officer", "manager"]


def test_no_token_is_401(core_app):
    assert_401(get_me(core_app, None))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Token abc", "abc.def.ghi", "Basic YWxpY2U6cHc=",
                                    "Bearer not-a-jwt", "Bearer a.b.c"])
def test_malformed_header_is_401(core_app, header):
    assert_401(get_me(core_app, {"Authorization": header}))


def test_scheme_is_case_insensitive(core_app):
    assert get_me(core_app, {"Authorization": f"bearer {core_app.token()}"}).status_code == 200


def test_tampered_payload_is_401(core_app):
    header, payload, signature = core_app.token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tampered = {"Authorization": f"Bearer {header}.{forged}.{signature}"}
    assert_401(core_app.client.http.get("/api/admin-only/", headers=tampered))


def test_token_signed_by_another_key_is_401(core_app):
    claims = core_app.tokens._claims(Principal("1", "alice", frozenset({"admin"})), "access", 60)
    stranger = spare_key(99)
    same_kid = jwt.encode(claims, stranger.private_key(), algorithm="RS256", headers={"kid": keyring.current.kid})
    assert_401(get_me(core_app, core_app.auth(same_kid)))
    unknown_kid = jwt.encode(claims, stranger.private_key(), algorithm="RS256", headers={"kid": stranger.kid})
    assert_401(get_me(core_app, core_app.auth(unknown_kid)))


def test_unsigned_and_symmetric_tokens_are_401(core_app):
    claims = core_app.tokens._claims(Principal("1", "alice", frozenset({"admin"})), "access", 60)
    none_alg = jwt.encode(claims, None, algorithm="none", headers={"kid": keyring.current.kid})
    assert_401(get_me(core_app, core_app.auth(none_alg)))
    # algorithm confusion: HMAC keyed with the published public key
    public_pem = keyring.public_key(keyring.current).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": keyring.current.kid}).encode())
    signing_input = header + "." + b64(json.dumps(claims).encode())
    mac = b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    assert_401(get_me(core_app, core_app.auth(f"{signing_input}.{mac}")))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_expired_token_is_401(core_app):
    past = utcnow() - timedelta(hours=3)
    assert_401(get_me(core_app, core_app.auth(signed(core_app, iat=int(past.timestamp()),
                                                     exp=int((past + timedelta(minutes=60)).timestamp())))))


def test_access_token_lives_the_products_access_lifetime(core_app, monkeypatch):
    lifetime = core_app.product.access_ttl_minutes
    monkeypatch.setattr("chalicelib.core.auth.tokens.utcnow", lambda: utcnow() - timedelta(minutes=lifetime - 1))
    assert get_me(core_app, core_app.auth(core_app.token())).status_code == 200
    monkeypatch.setattr("chalicelib.core.auth.tokens.utcnow", lambda: utcnow() - timedelta(minutes=lifetime + 1))
    assert_401(get_me(core_app, core_app.auth(core_app.token())))


def test_wrong_issuer_is_401(core_app):
    assert_401(get_me(core_app, core_app.auth(signed(core_app, iss="https://evil.example.com/"))))


def test_wrong_client_id_is_401(core_app):
    assert_401(get_me(core_app, core_app.auth(signed(core_app, client_id="someone-else"))))


@pytest.mark.parametrize("claim", ["sub", "exp", "iss", "jti", "client_id", "token_use"])
def test_token_missing_a_required_claim_is_401(core_app, claim):
    claims = core_app.tokens._claims(Principal("1", "alice", frozenset({"admin"})), "access", 60)
    del claims[claim]
    assert_401(get_me(core_app, core_app.auth(core_app.tokens._sign(claims))))


def test_refresh_token_used_as_access_is_401(core_app):
    pair = core_app.tokens.issue(Principal("1", "alice", frozenset({"admin"})))
    assert_401(get_me(core_app, core_app.auth(pair.refresh)))
    assert_401(get_me(core_app, core_app.auth(signed(core_app, token_use="id"))))


def test_role_restricted_route(core_app):
    agent = core_app.auth(core_app.token(roles=("calling_agent",)))
    response = core_app.client.http.get("/api/admin-only/", headers=agent)
    assert response.status_code == 403
    assert response.json_body == FORBIDDEN
    for role in ("admin", "manager"):
        allowed = core_app.auth(core_app.token(roles=(role,)))
        assert core_app.client.http.get("/api/admin-only/", headers=allowed).status_code == 200
    no_roles = core_app.auth(core_app.token(roles=()))
    assert core_app.client.http.get("/api/admin-only/", headers=no_roles).status_code == 403


def test_role_is_checked_before_the_body_is_read(core_app):
    response = core_app.client.http.post("/api/notes/", headers=core_app.auth(core_app.token(roles=("manager",)),
                                                                                 **{"Content-Type": "text/plain"}),
                                         body=b"x")
    assert response.status_code == 403


def test_public_route_needs_no_token_and_ignores_a_bad_one(core_app):
    assert core_app.client.http.get("/api/ping/").json_body == {"ok": True}
    response = core_app.client.http.get("/api/ping/", headers={"Authorization": "Bearer junk"})
    assert response.status_code == 200


def test_unauthenticated_write_is_401_before_parsing(core_app):
    response = core_app.client.http.post("/api/notes/", headers={"Content-Type": "application/json"},
                                         body=b"{not json")
    assert_401(response)
