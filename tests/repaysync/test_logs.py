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
    from datetime import UTC, datetime, timedelta

    from chalicelib.core.audit import audit_model

    world.http.get("/api/customers/", world.as_("admin"))
    today = datetime.now(UTC).date().isoformat()
    record = next(iter(audit_model("repaysync").query(today, scan_index_forward=False, limit=1)))
    assert abs(record.expires_at - record.created_at - timedelta(days=90)) < timedelta(seconds=1)  # TTL: seconds


def _at(monkeypatch, when):
    """Freeze the audit trail's clock (records are written and listed as of `when`)."""
    from chalicelib.core import audit

    monkeypatch.setattr(audit, "utcnow", lambda: when)


def _write(count, when, monkeypatch):
    from chalicelib.core.api import AuditEntry
    from chalicelib.products.repaysync import routes

    _at(monkeypatch, when)
    for index in range(count):
        routes._audit(AuditEntry(principal=None, method="GET", endpoint=f"/api/x/{when:%d}/{index}/",
                                 request_payload="", response_payload="", status_code=200, duration_ms=1.0))


def test_logs_are_one_put_each_in_the_partition_of_their_utc_day(world, monkeypatch):
    """An audit record costs one PutItem (no counter); its partition is its UTC day."""
    from datetime import UTC, datetime

    from botocore.client import BaseClient

    from chalicelib.core.audit import audit_model

    _write(1, datetime(2026, 11, 20, 23, 59, 59, 999000, tzinfo=UTC), monkeypatch)  # the day's marker
    calls: list[str] = []
    original = BaseClient._make_api_call

    def record(self, operation, params):
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    _write(1, datetime(2026, 11, 20, 23, 59, 59, 999500, tzinfo=UTC), monkeypatch)
    assert calls == ["PutItem"]
    _write(1, datetime(2026, 11, 21, 0, 0, tzinfo=UTC), monkeypatch)
    assert calls == ["PutItem", "PutItem", "PutItem"]  # a new day: its marker once, then the record
    model = audit_model("repaysync")
    late = [item.id for item in model.query("2026-11-20")]
    early = [item.id for item in model.query("2026-11-21")]
    assert len(late) == 2 and len(early) == 1 and late[0] < late[1] < early[0] < 2**53


def test_logs_page_newest_first_across_day_boundaries_and_gaps(world, monkeypatch):
    """Records of four days (one of them empty between two others) come back complete, newest
    first, without repeats, whatever the page size; a page may end in the middle of a day."""
    from datetime import UTC, datetime

    for day, count in ((20, 3), (21, 2), (23, 4)):
        _write(count, datetime(2026, 11, day, 23, 59, tzinfo=UTC), monkeypatch)
    _at(monkeypatch, datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    admin = world.as_("admin")
    expected = [f"/api/x/{day}/{index}/" for day, count in ((23, 4), (21, 2), (20, 3))
                for index in reversed(range(count))]
    for size in (1, 2, 3, 4, 9, 100):
        seen, ids, cursor = [], [], None
        while True:
            query = f"&cursor={cursor}" if cursor else ""
            response = world.http.get(f"/api/logs/?page_size={size}{query}", admin)
            assert response.status_code == 200 and len(response.json_body) <= size
            seen += [item["endpoint"] for item in response.json_body]
            ids += [item["id"] for item in response.json_body]
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                break
        assert [endpoint for endpoint in seen if endpoint != "/api/logs/"] == expected, size  # and the listing's own
        assert ids == sorted(ids, reverse=True) and all(isinstance(i, int) and i < 2**53 for i in ids)


def test_logs_hide_days_past_retention_and_refuse_foreign_cursors(world, monkeypatch):
    import base64
    import json as jsonlib
    from datetime import UTC, datetime

    _write(2, datetime(2026, 8, 1, 12, 0, tzinfo=UTC), monkeypatch)
    _write(1, datetime(2026, 11, 27, 12, 0, tzinfo=UTC), monkeypatch)
    _at(monkeypatch, datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # 1 August is 119 days ago
    admin = world.as_("admin")
    assert [item["endpoint"] for item in world.http.get("/api/logs/", admin).json_body] == ["/api/x/27/0/"]
    for key in ({"day": {"S": "yesterday"}, "id": {"N": "1"}}, {"day": {"S": "2026-11-27"}, "id": {"N": "-1"}},
                {"stream": {"S": "api"}, "id": {"N": "1"}}, {"day": {"N": "1"}, "id": {"N": "1"}}):
        cursor = base64.urlsafe_b64encode(jsonlib.dumps(key).encode()).decode().rstrip("=")
        response = world.http.get(f"/api/logs/?cursor={cursor}", admin)
        assert response.status_code == 400 and response.json_body == {"errors": {"cursor": ["Invalid cursor."]}}
