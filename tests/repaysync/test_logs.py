"""The audit trail behind /api/logs/: every /api/ request, redacted, newest first, admins only."""

from __future__ import annotations

import json

from tests.repaysync.conftest import PASSWORD

FIELDS = {"id", "user", "method", "endpoint", "request_payload", "response_payload", "status_code", "created_at"}


def test_logs_record_requests_and_redact_secrets(world):
    login = world.http.post("/api/auth/token/", {"username": "admin", "password": PASSWORD})
    world.http.post("/api/users/register/", {"username": "newbie", "email": "newbie@example.com",
                                             "role": "calling_agent", "password": "SomePassword123"})
    world.http.get("/api/customers/", world.as_("officer"))
    response = world.http.get("/api/logs/", world.as_("admin"))
    assert response.status_code == 200
    logs = response.json_body
    assert all(set(item) == FIELDS for item in logs)
    assert [item["endpoint"] for item in logs[:3]] == ["/api/customers/", "/api/users/register/", "/api/auth/token/"]
    assert logs[0]["user"] == world.users["officer"].id and logs[0]["method"] == "GET"
    assert logs[0]["status_code"] == 200 and logs[0]["created_at"].endswith("Z")
    assert json.loads(logs[0]["response_payload"])[0]["customer_code"] == "CUST0"
    text = json.dumps(logs)
    assert PASSWORD not in text and "SomePassword123" not in text
    assert login.json_body["access"] not in text and login.json_body["refresh"] not in text
    token_log = logs[2]
    assert json.loads(token_log["request_payload"]) == {"username": "admin", "password": "***"}
    assert json.loads(token_log["response_payload"]) == {"access": "***", "refresh": "***"}
    assert logs[1]["user"] is None and logs[1]["status_code"] == 201


def test_logs_keep_failures_and_truncate(world):
    world.http.post("/api/customers/", {"name": "x" * 5000}, world.as_("admin"))
    entry = world.http.get("/api/logs/", world.as_("admin")).json_body[0]
    assert entry["status_code"] == 400 and entry["endpoint"] == "/api/customers/"
    assert len(entry["request_payload"]) < 2100 and entry["request_payload"].endswith("[truncated]")


def test_logs_are_admin_only_and_paginated(world):
    for name in ("manager", "officer", "agent"):
        response = world.http.get("/api/logs/", world.as_(name))
        assert response.status_code == 403 and "error" in response.json_body
    assert world.http.get("/api/logs/").status_code == 401
    first = world.http.get("/api/logs/?page_size=2", world.as_("admin"))
    assert len(first.json_body) == 2
    second = world.http.get(f"/api/logs/?page_size=2&cursor={first.headers['X-Next-Cursor']}", world.as_("admin"))
    assert second.status_code == 200
    assert max(item["id"] for item in second.json_body) < min(item["id"] for item in first.json_body)


def test_logs_expire_after_90_days(world):
    from datetime import timedelta

    from chalicelib.core.audit import audit_model

    world.http.get("/api/customers/", world.as_("admin"))
    record = next(iter(audit_model("repaysync").query("api", scan_index_forward=False, limit=1)))
    assert abs(record.expires_at - record.created_at - timedelta(days=90)) < timedelta(seconds=1)  # TTL: seconds
