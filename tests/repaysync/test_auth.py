"""Token, refresh (rotation), tampering, expiry and lockout."""

from __future__ import annotations

import base64
import json

import jwt

from tests.repaysync.conftest import PASSWORD, make_user, tokens


def _login(http, username="admin", password=PASSWORD):
    return http.post("/api/auth/token/", {"username": username, "password": password})


def test_login_returns_access_and_refresh(world):
    response = _login(world.http)
    assert response.status_code == 200
    body = response.json_body
    assert set(body) == {"access", "refresh"}
    claims = jwt.decode(body["access"], options={"verify_signature": False})
    assert claims["token_use"] == "access" and claims["cognito:groups"] == ["admin"]
    assert claims["exp"] - claims["iat"] == 60 * 60
    refresh = jwt.decode(body["refresh"], options={"verify_signature": False})
    assert refresh["exp"] - refresh["iat"] == 24 * 60 * 60
    assert world.http.get("/api/users/", {"Authorization": f"Bearer {body['access']}"}).status_code == 200


def test_login_is_case_insensitive_on_username(world):
    assert _login(world.http, "ADMIN").status_code == 200


def test_bad_credentials_are_401_in_error_shape(world):
    response = _login(world.http, password="wrong-password")
    assert response.status_code == 401
    assert set(response.json_body) == {"error"}
    assert _login(world.http, username="nobody").status_code == 401


def test_login_validates_body(http):
    response = http.post("/api/auth/token/", {"username": "admin"})
    assert response.status_code == 400
    assert response.json_body == {"errors": {"password": ["This field is required."]}}
    malformed = http.call("POST", "/api/auth/token/", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400


def test_lockout_after_five_failures(http):
    make_user("locky", "calling_agent")
    for _ in range(5):
        assert _login(http, "locky", "nope-nope").status_code == 401
    locked = _login(http, "locky")  # even the right password waits out the lock
    assert locked.status_code == 429
    assert "error" in locked.json_body and int(locked.headers["Retry-After"]) > 0


def test_success_resets_failure_count(http):
    make_user("resetme", "calling_agent")
    for _ in range(4):
        _login(http, "resetme", "nope-nope")
    assert _login(http, "resetme").status_code == 200
    for _ in range(4):
        _login(http, "resetme", "nope-nope")
    assert _login(http, "resetme").status_code == 200


def test_refresh_rotates_and_refuses_reuse(world):
    first = _login(world.http).json_body
    rotated = world.http.post("/api/auth/token/refresh/", {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    assert set(rotated.json_body) == {"access", "refresh"}
    assert rotated.json_body["refresh"] != first["refresh"]
    reused = world.http.post("/api/auth/token/refresh/", {"refresh": first["refresh"]})
    assert reused.status_code == 401 and "error" in reused.json_body
    again = world.http.post("/api/auth/token/refresh/", {"refresh": rotated.json_body["refresh"]})
    assert again.status_code == 401  # the replay revoked every token rotated from that login
    fresh = _login(world.http).json_body
    assert world.http.post("/api/auth/token/refresh/", {"refresh": fresh["refresh"]}).status_code == 200


def test_refresh_rejects_access_token_and_garbage(world):
    pair = _login(world.http).json_body
    assert world.http.post("/api/auth/token/refresh/", {"refresh": pair["access"]}).status_code == 401
    assert world.http.post("/api/auth/token/refresh/", {"refresh": "not-a-token"}).status_code == 401
    missing = world.http.post("/api/auth/token/refresh/", {})
    assert missing.status_code == 400 and "refresh" in missing.json_body["errors"]


def test_no_token_is_401(http):
    response = http.get("/api/customers/")
    assert response.status_code == 401
    assert "error" in response.json_body


def test_tampered_token_is_401(world):
    token = world.as_("officer")["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    response = world.http.get("/api/logs/", {"Authorization": f"Bearer {header}.{forged}.{signature}"})
    assert response.status_code == 401
    unsigned = jwt.encode(claims, key="", algorithm="none")
    assert world.http.get("/api/logs/", {"Authorization": f"Bearer {unsigned}"}).status_code == 401
    assert world.http.get("/api/logs/", {"Authorization": "Token abc"}).status_code == 401


def test_expired_token_is_401(world):
    from chalicelib.products.repaysync import services

    service_tokens = tokens()
    claims = service_tokens._claims(services.principal_of(world.users["admin"]), "access", -5)
    expired = service_tokens._sign(claims)
    response = world.http.get("/api/logs/", {"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401


def test_parallel_wrong_passwords_hash_at_most_five(http, monkeypatch):
    """The security review's 40 parallel guesses: at most 5 passwords are checked, the rest are 429."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.core.auth import passwords  # the check lives in core.auth.flows

    make_user("target", "calling_agent")
    checked: list[str] = []
    real = passwords.verify_password

    def counted(stored, password):
        checked.append(password)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counted)
    start = threading.Barrier(40)

    def guess(_: int):
        start.wait(timeout=10)
        return _login(http, "target", "wrong-password")

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = sorted(response.status_code for response in pool.map(guess, range(40)))
    assert len(checked) == 5 and statuses == [401] * 5 + [429] * 35


def test_a_stranger_cannot_lock_the_admin_out(world, monkeypatch):
    from chalice import local

    monkeypatch.setattr(local.LambdaEventConverter, "LOCAL_SOURCE_IP", "203.0.113.66")
    for _ in range(5):
        assert _login(world.http, "admin", "wrong-password").status_code == 401
    assert _login(world.http, "admin").status_code == 429
    monkeypatch.setattr(local.LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.7")
    assert _login(world.http, "admin").status_code == 200


# -- logout ----------------------------------------------------------------------------------------
def _logout(http, refresh, access):
    return http.post("/api/auth/logout/", {"refresh": refresh}, {"Authorization": f"Bearer {access}"})


def _bearer(access):
    return {"Authorization": f"Bearer {access}"}


def test_logout_ends_that_session_only(world):
    session = _login(world.http).json_body
    rotated = world.http.post("/api/auth/token/refresh/", {"refresh": session["refresh"]}).json_body
    other = _login(world.http).json_body
    response = _logout(world.http, rotated["refresh"], rotated["access"])
    assert response.status_code == 200 and response.json_body == {"detail": "Logged out."}
    # the refresh token is dead, and so is every access token issued in that session
    assert world.http.post("/api/auth/token/refresh/", {"refresh": rotated["refresh"]}).status_code == 401
    for access in (session["access"], rotated["access"]):
        refused = world.http.get("/api/users/", _bearer(access))
        assert refused.status_code == 401, refused.body
    # another session of the same user goes on
    assert world.http.get("/api/users/", _bearer(other["access"])).status_code == 200
    assert world.http.post("/api/auth/token/refresh/", {"refresh": other["refresh"]}).status_code == 200


def test_logout_needs_a_bearer_token(world):
    session = _login(world.http).json_body
    response = world.http.post("/api/auth/logout/", {"refresh": session["refresh"]})
    assert response.status_code == 401
    assert world.http.post("/api/auth/token/refresh/", {"refresh": session["refresh"]}).status_code == 200


def test_nobody_logs_out_someone_elses_session(world):
    victim = _login(world.http).json_body  # the admin
    response = world.http.post("/api/auth/logout/", {"refresh": victim["refresh"]}, world.as_("manager"))
    assert response.status_code == 403
    assert response.json_body == {"error": "You can only log out of your own sessions."}
    assert world.http.get("/api/users/", _bearer(victim["access"])).status_code == 200
    assert world.http.post("/api/auth/token/refresh/", {"refresh": victim["refresh"]}).status_code == 200


def test_logout_validates_the_refresh_token(world):
    session = _login(world.http).json_body
    invalid = {"errors": {"refresh": ["Token is invalid."]}}
    for token in ("garbage", session["access"]):
        response = _logout(world.http, token, session["access"])
        assert response.status_code == 400 and response.json_body == invalid
    missing = world.http.post("/api/auth/logout/", {}, _bearer(session["access"]))
    assert missing.status_code == 400 and missing.json_body == {"errors": {"refresh": ["This field is required."]}}
    other = _login(world.http).json_body
    assert _logout(world.http, session["refresh"], other["access"]).status_code == 200
    again = _logout(world.http, session["refresh"], other["access"])
    assert again.status_code == 400 and again.json_body == {"errors": {"refresh": ["Token has been revoked."]}}
