"""VST users: self-registration (customers only), profiles, the admin's list and changes, the first admin.

A phone is a user's login and is unique: a guard item `user#phone#<E.164>` is written in the same
transaction as the user (and moved in the same transaction when an admin changes the phone).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.core.auth.passwords import hash_password
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.read import query_page
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.vst.models import User
from chalicelib.products.vst.services.common import ADMIN, CUSTOMER, Guards, find, user_ids

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import MePatch, RegisterIn, UserPatch

ADMIN_PHONE = "+919000000001"  # the seeded admin's login (DESIGN.md)
PHONE_TAKEN = "A user with this phone number already exists."
NOT_FOUND = "User not found."


def _phone_guard(phone: str) -> Guard:
    return Guard("user", "phone", phone, PHONE_TAKEN)


def principal_of(user: User) -> Principal:
    return Principal(subject=str(user.id), username=user.phone, roles=frozenset({user.role}))


def find_by_phone(phone: str) -> User | None:
    return next(iter(User.phone_index.query(phone, limit=1)), None)


def create_user(name: str, phone: str, role: str, password: str, *, region: str | None = None,
                address: str | None = None, password_hash: str | None = None) -> User:
    """A user and its phone guard in one transaction (400 on `phone` when the phone is taken)."""
    user = User(user_ids.next(), name=name, phone=phone, role=role, region=region, address=address,
                password_hash=password_hash or hash_password(password))
    txn.run(Guards, [txn.claim(Guards, _phone_guard(phone), str(user.id)), txn.put(user)])
    return user


def register_customer(body: RegisterIn) -> User:
    """Public sign-up: always a customer, whatever the body says. A taken phone is checked before
    hashing (cheap), and again by the guard in the transaction (races)."""
    if find(Guards, _phone_guard(body.phone).key) is not None:
        raise ValidationFailed({"phone": [PHONE_TAKEN]})
    return create_user(body.name, body.phone, CUSTOMER, body.password, region=body.region, address=body.address)


def get_user(user_id: int) -> User:
    user = find(User, user_id)
    if user is None:
        raise NotFound(NOT_FOUND)
    return user


def list_users(page: Window, *, phone: str | None = None, role: str | None = None) -> Slice:
    """Everyone by id, or one role by id (a Query per partition of an index); `phone` is the one user
    of that phone (the phone index), kept only when it also has `role`."""
    if phone is not None:
        users = [user for user in User.phone_index.query(phone, limit=1) if role is None or user.role == role]
        return Slice(users, None)
    if role is not None:
        return query_page(User.role_index, role, page)
    return query_page(User.all_index, "user", page)


def update_me(user: User, body: MePatch) -> User:
    """A user's own name and address; role, phone and region are the admin's (ignored here)."""
    return _apply(user, body, body.model_fields_set & {"name", "address"})


def update_user(user_id: int, body: UserPatch) -> User:
    """An admin's change: name, phone (moved with its guard in one transaction), role, region, address."""
    return _apply(get_user(user_id), body, set(body.model_fields_set))


def _apply(user: User, body: MePatch | UserPatch, fields: set[str]) -> User:
    actions = [getattr(User, name).set(getattr(body, name)) for name in sorted(fields)
               if getattr(body, name) != getattr(user, name)]
    if not actions:
        return user
    new_phone = getattr(body, "phone", None) if "phone" in fields else None
    if new_phone is not None and new_phone != user.phone:
        txn.run(Guards, [*txn.swap(Guards, _phone_guard(user.phone), _phone_guard(new_phone), str(user.id)),
                         txn.update(user, actions)])
        user.refresh()
        return user
    user.update(actions=actions)
    return user


def reset_password(user_id: int, new_password: str) -> None:
    """An admin's reset: the old password stops working and every refresh token issued before dies."""
    user = get_user(user_id)
    set_password(user, hash_password(new_password), utcnow())


def set_password(user: User, new_hash: str, changed_at: datetime) -> None:
    user.update(actions=[User.password_hash.set(new_hash), User.tokens_valid_after.set(changed_at)])


def seed_admin(password: str, *, reset: bool = False) -> User:
    """The first admin (phone +919000000001), idempotent. The embedded stack leaves an existing one as
    it is; a deployed stage's bootstrap (`make bootstrap-admin`, reset=True) gives it the new password
    and makes it an admin again, so running it twice keeps one admin."""
    existing = find_by_phone(ADMIN_PHONE)
    if existing is not None:
        if reset:
            existing.update(actions=[User.password_hash.set(hash_password(password)), User.role.set(ADMIN),
                                     User.tokens_valid_after.set(utcnow())])
        return existing
    try:
        return create_user("Admin", ADMIN_PHONE, ADMIN, password)
    except ValidationFailed:
        return find_by_phone(ADMIN_PHONE)  # a concurrent seed won
