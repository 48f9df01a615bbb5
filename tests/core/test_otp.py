"""One-time codes: random digits kept as a keyed hash bound to their subject, a limited number of checks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture()
def codes(aws_mock):
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.auth.store import login_attempts_model
    from chalicelib.core.db.tables import ensure_tables
    from chalicelib.core.otp import OneTimeCodes
    from tests.core.conftest import PRODUCT, install_signing_key

    aws_mock.reset()
    install_signing_key()
    keyring.forget()
    ensure_tables([login_attempts_model(PRODUCT)])
    return OneTimeCodes(PRODUCT, digits=4, ttl=timedelta(minutes=10), attempts=5)


NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_a_code_is_four_digits_kept_only_as_a_hash_bound_to_its_subject(codes):
    issued = codes.issue("service#1#a", NOW)
    assert len(issued.code) == 4 and issued.code.isascii() and issued.code.isdigit()
    kid, dollar, mac = issued.digest.partition("$")
    assert kid and dollar and len(mac) == 64 and set(mac) <= set("0123456789abcdef")  # `<kid>$<HMAC-SHA256 hex>`
    # Keyed: neither the code nor its plain hash is what is stored (a 4-digit code may still occur in the hex
    # by chance, ~0.1% of issues, so `code not in digest` was a flaky proxy).
    assert mac not in (issued.code, hashlib.sha256(issued.code.encode()).hexdigest(),
                       hashlib.sha256(f"service#1#a\x00{issued.code}".encode()).hexdigest())
    assert issued.expires_at == NOW + timedelta(minutes=10)
    assert codes.matches("service#1#a", issued.code, issued.digest)
    wrong = f"{(int(issued.code) + 1) % 10000:04d}"
    assert not codes.matches("service#1#a", wrong, issued.digest)
    assert not codes.matches("service#1#b", issued.code, issued.digest)  # another issue of the same service
    assert not codes.matches("service#1#a", issued.code, "unknown-kid$" + issued.digest.partition("$")[2])
    assert not codes.matches("service#1#a", issued.code, "garbage")
    assert len({codes.issue("s", NOW).code for _ in range(40)}) > 10  # random, not a counter


def test_five_attempts_then_the_code_is_void(codes):
    assert [codes.take_attempt("service#2#a") for _ in range(7)] == [True] * 5 + [False] * 2
    assert codes.take_attempt("service#2#b")  # a new code starts afresh
