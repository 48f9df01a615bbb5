"""argon2id password hashing."""

from __future__ import annotations

from chalicelib.core.auth.passwords import hash_password, needs_rehash, verify_password


def test_hash_is_argon2id_salted_and_verifies():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "wrong horse")
    assert not needs_rehash(first)


def test_missing_or_broken_hash_never_verifies():
    assert not verify_password(None, "anything")
    assert not verify_password("", "anything")
    assert not verify_password("not-a-hash", "anything")
