"""Failed-login lockout (LoginGuard) through a login route: N failures lock the identity for M minutes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.core.auth.lockout import LoginGuard
from chalicelib.core.config import reset_settings
from chalicelib.core.db.base import utcnow

GOOD, BAD = "s3cret-pass", "wrong-pass"


@pytest.fixture(autouse=True)
def _cheap(cheap_passwords):
    """These tests are about counting, not hashing."""


def login(core, password: str, username: str = "alice"):
    return core.client.http.post("/api/token/", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"username": username, "password": password}).encode())


def shift_clock(monkeypatch, delta: timedelta) -> None:
    monkeypatch.setattr("chalicelib.core.auth.lockout.utcnow", lambda: utcnow() + delta)


def fail(core, times: int, username: str = "alice") -> None:
    for _ in range(times):
        response = login(core, BAD, username)
        assert response.status_code == 401, response.body


def test_five_failures_lock_for_fifteen_minutes(core_app, monkeypatch):
    fail(core_app, 5)
    response = login(core_app, GOOD)  # even the right password is refused while locked
    assert response.status_code == 429
    assert response.json_body == {"error": "Too many failed login attempts; try again later."}
    assert 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60 + 1
    shift_clock(monkeypatch, timedelta(minutes=14))
    assert login(core_app, GOOD).status_code == 429
    shift_clock(monkeypatch, timedelta(minutes=15, seconds=1))
    assert login(core_app, GOOD).status_code == 200


def test_four_failures_do_not_lock(core_app):
    fail(core_app, 4)
    assert login(core_app, GOOD).status_code == 200


def test_success_resets_the_count(core_app):
    fail(core_app, 4)
    assert login(core_app, GOOD).status_code == 200
    fail(core_app, 4)
    assert login(core_app, GOOD).status_code == 200


def test_failures_outside_the_window_start_a_new_count(core_app, monkeypatch):
    fail(core_app, 4)
    shift_clock(monkeypatch, timedelta(minutes=16))
    fail(core_app, 4)  # the old four expired: this is 4 of the new window, not 8
    assert login(core_app, GOOD).status_code == 200


def test_lock_expires_and_the_count_starts_over(core_app, monkeypatch):
    fail(core_app, 5)
    shift_clock(monkeypatch, timedelta(minutes=16))
    fail(core_app, 1)
    assert login(core_app, GOOD).status_code == 200


def test_identities_are_counted_separately_and_case_insensitively(core_app):
    fail(core_app, 3, "alice")
    fail(core_app, 2, "ALICE ")
    assert login(core_app, GOOD).status_code == 429
    assert login(core_app, GOOD, "boss").status_code == 200


def test_unknown_usernames_are_counted_too(core_app):
    fail(core_app, 5, "mallory")
    assert login(core_app, BAD, "mallory").status_code == 429


def test_limits_are_configurable(core_app, monkeypatch):
    monkeypatch.setenv("CRM_LOCKOUT_MAX_FAILURES", "2")
    monkeypatch.setenv("CRM_LOCKOUT_MINUTES", "3")
    reset_settings()
    fail(core_app, 2)
    response = login(core_app, GOOD)
    assert response.status_code == 429
    assert 2 * 60 < int(response.headers["Retry-After"]) <= 3 * 60 + 1
    shift_clock(monkeypatch, timedelta(minutes=3, seconds=1))
    assert login(core_app, GOOD).status_code == 200


def test_guard_directly(core_app, monkeypatch):
    guard = LoginGuard("repaysync")
    guard.check("nobody")  # no record: not locked
    for _ in range(5):
        guard.failed("nobody")
    with pytest.raises(Exception) as caught:
        guard.check("nobody")
    assert caught.value.status == 429 and "Retry-After" in caught.value.headers
    guard.succeeded("nobody")
    guard.check("nobody")
