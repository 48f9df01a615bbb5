"""CORS for the frontends: allowed origins echoed with credentials everywhere, others get nothing."""

from __future__ import annotations

import re

import pytest

from tests.core.conftest import ORIGIN

OTHER_ALLOWED = "https://app.example.com"
STRANGER = "https://evil.example.net"


def assert_cors(response, origin: str = ORIGIN) -> None:
    assert response.headers.get("Access-Control-Allow-Origin") == origin, response.headers
    assert response.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "Origin" in response.headers.get("Vary", "")


def assert_no_cors(response) -> None:
    assert not any(name.lower().startswith("access-control-") for name in response.headers), response.headers


def test_allowed_origin_is_echoed_on_success(core_app):
    response = core_app.client.http.get("/api/me/", headers=core_app.auth(Origin=ORIGIN))
    assert response.status_code == 200
    assert_cors(response)
    response = core_app.client.http.get("/api/ping/", headers={"Origin": OTHER_ALLOWED})
    assert_cors(response, OTHER_ALLOWED)
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(("method", "path", "headers", "body", "status"), [
    ("GET", "/api/me/", {}, b"", 401),                                    # the authorizer's rejection
    ("GET", "/api/me/", {"Authorization": "Bearer junk"}, b"", 401),
    ("GET", "/api/admin-only/", None, b"", 403),                          # role
    ("GET", "/api/notes/abc/", None, b"", 404),                           # path type
    ("POST", "/api/notes/", {"Content-Type": "application/json"}, b"{", 400),
    ("POST", "/api/notes/", {"Content-Type": "text/plain"}, b"x", 415),
])
def test_allowed_origin_is_echoed_on_errors(core_app, method, path, headers, body, status):
    if headers is None:
        headers = core_app.auth()
    elif "Authorization" not in headers and status not in (401,):
        headers = {**core_app.auth(), **headers}
    response = core_app.client.http.request(method, path, headers={**headers, "Origin": ORIGIN}, body=body)
    assert response.status_code == status, response.body
    assert_cors(response)
    assert "error" in response.json_body


def route_paths(app) -> list[str]:
    return sorted(re.sub(r"\{\w+\}", "1", path) for path in app.routes)


def test_preflight_is_answered_on_every_route_without_a_token(core_app):
    paths = route_paths(core_app.app)
    assert "/api/notes/1" in paths and "/.well-known/jwks.json" in paths
    for path in paths:
        for shown in (path, path + "/"):
            response = core_app.client.http.request("OPTIONS", shown, headers={
                "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type"})
            assert response.status_code == 204, (shown, response.body)
            assert_cors(response)
            allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
            assert "authorization" in allowed_headers and "content-type" in allowed_headers
    methods = core_app.client.http.request("OPTIONS", "/api/notes/1/", headers={"Origin": ORIGIN}).headers
    assert set(methods["Access-Control-Allow-Methods"].split(",")) == {"GET", "PUT", "DELETE", "OPTIONS"}


def test_every_declared_route_has_a_preflight(core_app):
    for path, methods in core_app.app.routes.items():
        assert "OPTIONS" in methods, path
        assert methods["OPTIONS"].authorizer is None, path


def test_disallowed_origin_gets_no_cors_headers(core_app):
    assert_no_cors(core_app.client.http.get("/api/me/", headers=core_app.auth(Origin=STRANGER)))
    assert_no_cors(core_app.client.http.get("/api/me/", headers={"Origin": STRANGER}))
    assert_no_cors(core_app.client.http.get("/api/notes/x/", headers=core_app.auth(Origin=STRANGER)))
    preflight = core_app.client.http.request("OPTIONS", "/api/me/", headers={
        "Origin": STRANGER, "Access-Control-Request-Method": "GET"})
    assert not preflight.headers.get("Access-Control-Allow-Origin")
    assert not preflight.headers.get("Access-Control-Allow-Credentials")


def test_no_origin_no_cors_headers(core_app):
    assert_no_cors(core_app.client.http.get("/api/ping/"))
