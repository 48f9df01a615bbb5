"""RevisBali users: admins, staff and agents, who log in with their e-mail address.

An e-mail is unique case-insensitively: a guard item `user#email#<address>` is written in the same
transaction as the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.core.auth.passwords import hash_password
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.read import batch_get
from chalicelib.core.db.unique import Guard
from chalicelib.products.revisbali.models import User
from chalicelib.products.revisbali.schemas import ADMIN
from chalicelib.products.revisbali.services.common import Guards, find, user_ids

ADMIN_EMAIL = "admin@revisbali.example.com"  # the seeded admin's login
EMAIL_TAKEN = "A user with this email already exists."


def email_guard(email: str) -> Guard:
    return Guard("user", "email", email, EMAIL_TAKEN)


def principal_of(user: User) -> Principal:
    return Principal(subject=str(user.id), username=user.email, roles=frozenset({user.role}))


def find_by_email(email: str) -> User | None:
    return next(iter(User.email_index.query(email.strip().lower(), limit=1)), None)


def get(user_id: int) -> User | None:
    return find(User, user_id)


def by_id(ids: Iterable[int | None]) -> dict[int, User]:
    return batch_get(User, {i for i in ids if i is not None})


def create_user(email: str, role: str, password: str, *, first_name: str = "", last_name: str = "",
                password_hash: str | None = None) -> User:
    """A user and its e-mail guard in one transaction (400 on `email` when the address is taken)."""
    user = User(user_ids.next(), email=email, email_key=email.strip().lower(), role=role, first_name=first_name,
                last_name=last_name, password_hash=password_hash or hash_password(password))
    txn.run(Guards, [txn.claim(Guards, email_guard(email), str(user.id)), txn.put(user)])
    return user


def set_password(user: User, new_hash: str, changed_at: datetime) -> None:
    user.update(actions=[User.password_hash.set(new_hash), User.tokens_valid_after.set(changed_at)])


def seed_admin(password: str, *, reset: bool = False) -> User:
    """The first admin and the countries, idempotent. The embedded stack leaves an existing admin as it
    is; a deployed stage's bootstrap (reset=True) gives it the new password and makes it an admin again."""
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.products.revisbali.services.countries import seed_countries

    seed_countries()
    existing = find_by_email(ADMIN_EMAIL)
    if existing is not None:
        if reset:
            existing.update(actions=[User.password_hash.set(hash_password(password)), User.role.set(ADMIN),
                                     User.is_active.set(1), User.tokens_valid_after.set(utcnow())])
        return existing
    try:
        return create_user(ADMIN_EMAIL, ADMIN, password, first_name="Admin")
    except ValidationFailed:
        return find_by_email(ADMIN_EMAIL)  # a concurrent seed won
