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
    for _ in range(5):
        guard.failed(guard.reserve("nobody", "10.0.0.9"))
    with pytest.raises(Exception) as caught:
        guard.reserve("nobody", "10.0.0.9")
    assert caught.value.status == 429 and "Retry-After" in caught.value.headers
    guard.succeeded(guard.reserve("nobody", "10.0.0.8"))  # another address is not affected


# -- lockout as a weapon: counted per (username, source address), plus a per-username ceiling ----
@pytest.fixture()
def from_address(monkeypatch):
    """Set the source address API Gateway reports (`requestContext.identity.sourceIp`) for next requests."""
    from chalice import local

    def use(address: str) -> None:
        monkeypatch.setattr(local.LambdaEventConverter, "LOCAL_SOURCE_IP", address)
    return use


def test_a_stranger_locks_only_their_own_address(core_app, from_address):
    from_address("203.0.113.66")
    fail(core_app, 5)
    assert login(core_app, GOOD).status_code == 429  # the attacker's address is locked, even for the password
    from_address("198.51.100.7")
    assert login(core_app, GOOD).status_code == 200  # the owner, elsewhere, logs in


def test_forwarded_for_headers_are_not_an_address(core_app, from_address):
    from_address("203.0.113.66")
    for index in range(5):
        response = core_app.client.http.post(
            "/api/token/", headers={"Content-Type": "application/json", "X-Forwarded-For": f"10.9.9.{index}"},
            body=json.dumps({"username": "alice", "password": BAD}).encode())
        assert response.status_code == 401
    spoofed = core_app.client.http.post(
        "/api/token/", headers={"Content-Type": "application/json", "X-Forwarded-For": "10.9.9.99"},
        body=json.dumps({"username": "alice", "password": GOOD}).encode())
    assert spoofed.status_code == 429


def test_guessing_spread_over_addresses_is_slowed_past_the_ceiling(core_app, from_address, monkeypatch):
    """50 failures for one name from 10 addresses go through; after that every attempt, from any address,
    waits a delay that doubles (2 s, 4 s, 8 s ... at most 300 s)."""
    for index in range(10):
        from_address(f"203.0.113.{index}")
        fail(core_app, 5)
    from_address("198.51.100.1")
    slowed = login(core_app, BAD)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "2"
    shift_clock(monkeypatch, timedelta(seconds=2))
    assert login(core_app, BAD).status_code == 401  # checked once the delay has passed
    from_address("198.51.100.2")
    again = login(core_app, GOOD)
    assert again.status_code == 429 and again.headers["Retry-After"] == "4"
    shift_clock(monkeypatch, timedelta(seconds=6))
    assert login(core_app, GOOD).status_code == 200  # the owner gets through between the attacker's tries


def test_the_ceiling_and_delays_are_settings(core_app, from_address, monkeypatch):
    monkeypatch.setenv("CRM_LOCKOUT_USER_CEILING", "3")
    monkeypatch.setenv("CRM_LOCKOUT_BACKOFF_SECONDS", "10")
    monkeypatch.setenv("CRM_LOCKOUT_BACKOFF_MAX_SECONDS", "15")
    reset_settings()
    for index in range(3):
        from_address(f"203.0.113.{index}")
        fail(core_app, 1)
    from_address("203.0.113.200")
    assert login(core_app, BAD).headers["Retry-After"] == "10"
    shift_clock(monkeypatch, timedelta(seconds=10))
    fail(core_app, 1)
    assert login(core_app, BAD).headers["Retry-After"] == "15"  # 20 s, capped


@pytest.fixture()
def slow_checks(monkeypatch) -> list[str]:
    """A password check that takes 0.2 s (as argon2 does) and records each password it is asked about;
    installed before `core_app` builds its login route."""
    import threading
    import time

    checked: list[str] = []
    lock = threading.Lock()

    def slow_verify(stored, password):
        with lock:
            checked.append(password)
        time.sleep(0.2)
        return bool(stored) and password == GOOD

    monkeypatch.setattr("chalicelib.core.auth.passwords.verify_password", slow_verify)
    return checked


def parallel_logins(core, count: int, password: str = BAD, username: str = "alice") -> list:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(count)

    def guess(_: int):
        start.wait(timeout=10)
        return login(core, password, username)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(guess, range(count)))


def test_parallel_wrong_passwords_check_at_most_five(slow_checks, core_app):
    """40 guesses at once: the attempt is reserved before the password is checked, so only 5 passwords
    are ever checked and the other 35 answer 429 with Retry-After."""
    responses = parallel_logins(core_app, 40)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [401] * 5 + [429] * 35
    assert all(int(r.headers["Retry-After"]) > 0 for r in responses if r.status_code == 429)
    assert login(core_app, GOOD).status_code == 429  # the five failures lock the name as usual
    assert len(slow_checks) == 5


def test_parallel_first_attempts_on_one_name_from_many_addresses_all_go_through(core_app):
    """Below the per-name ceiling every attempt must run: parallel first attempts from different
    addresses once raced on the name's counter and some were refused as if the name were under fire."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    guard = LoginGuard("repaysync")
    contenders = 30
    for round_ in range(10):
        start = threading.Barrier(contenders)

        def attempt(index: int, name: str = f"target{round_}", net: str = f"10.1.{round_}",
                    barrier: threading.Barrier = start) -> int:
            barrier.wait(timeout=10)
            try:
                guard.failed(guard.reserve(name, f"{net}.{index}"))
                return 200
            except Exception as exc:  # the guard's 429
                return int(getattr(exc, "status", 500))

        with ThreadPoolExecutor(max_workers=contenders) as pool:
            outcomes = list(pool.map(attempt, range(contenders)))
        assert outcomes == [200] * contenders, (round_, outcomes)
