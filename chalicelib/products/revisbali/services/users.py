"""RevisBali users: admins, staff and agents, who log in with their e-mail address.

An e-mail is unique case-insensitively: a guard item `user#email#<address>` is written in the same
transaction as the user.

DELETE removes a user: first it deactivates them (so no customer can be given to them any more: a
customer's transaction checks its agent is active), then, if no customer names them, deletes the
record and frees the e-mail; a user customers still name is kept for those customers (their agent's
name) but hidden: `kind` becomes `removed-user`, out of the lists and answered 404 like a deleted one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.core.auth.passwords import hash_password
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.read import batch_get, query_page
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.revisbali.models import Customer, User
from chalicelib.products.revisbali.roles import ADMIN
from chalicelib.products.revisbali.services.common import Guards, find, user_ids

if TYPE_CHECKING:
    from chalicelib.products.revisbali.schemas import UserIn, UserPatch

ADMIN_EMAIL = "admin@revisbali.example.com"  # the seeded admin's login
EMAIL_TAKEN = "A user with this email already exists."
NOT_FOUND = "User with id {} not found."
ADMIN_FIXED = "Admins are not managed through this API (make bootstrap-admin)."
YOURSELF = "You cannot delete yourself."
LISTED, REMOVED = "user", "removed-user"  # `kind`: a removed user kept for its customers leaves the lists


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


# -- the admin's management of staff and agents ----------------------------------------------------
def get_user(user_id: int) -> User:
    user = get(user_id)
    if user is None or user.kind != LISTED:
        raise NotFound(NOT_FOUND.format(user_id))
    return user


def list_users(window: Window, role: str | None = None) -> Slice:
    if role:
        return query_page(User.role_index, role, window, filter_condition=User.kind == LISTED)
    return query_page(User.all_index, LISTED, window)


def count_users(role: str | None = None) -> int:
    return User.role_index.count(role, filter_condition=User.kind == LISTED) if role else User.all_index.count(LISTED)


def add_user(body: UserIn) -> User:
    """A staff member or an agent (400 on `email` when the address is taken, checked before hashing)."""
    if find(Guards, email_guard(body.email).key) is not None:
        raise ValidationFailed({"email": [EMAIL_TAKEN]})
    return create_user(body.email, body.role, body.password, first_name=body.first_name, last_name=body.last_name)


def change_user(user_id: int, body: UserPatch) -> User:
    """Names, role (staff or agent), activity and password of a staff member or an agent. A
    deactivation or a new password ends the user's sessions (their refresh tokens die)."""
    user = get_user(user_id)
    if user.role == ADMIN:
        raise Conflict(ADMIN_FIXED)
    sent = body.model_fields_set
    actions = [getattr(User, name).set(getattr(body, name)) for name in ("first_name", "last_name", "role")
               if name in sent and getattr(body, name) is not None]
    sessions_end = False
    if "is_active" in sent and body.is_active is not None:
        actions.append(User.is_active.set(int(body.is_active)))
        sessions_end = not body.is_active
    if "password" in sent and body.password is not None:
        actions.append(User.password_hash.set(hash_password(body.password)))
        sessions_end = True
    if sessions_end:  # one SET of the attribute: DynamoDB refuses two paths that overlap
        actions.append(User.tokens_valid_after.set(utcnow()))
    if actions:
        user.update(actions=actions)
    return user


def remove_user(caller: Principal, user_id: int) -> None:
    """DELETE: the user can no longer log in (inactive, sessions gone); deleted with their e-mail guard
    when no customer names them, else kept hidden for those customers. Either way a 404 afterwards."""
    user = get_user(user_id)
    if user.role == ADMIN:
        raise Conflict(ADMIN_FIXED if str(user.id) != caller.subject else YOURSELF)
    user.update(actions=[User.is_active.set(0), User.tokens_valid_after.set(utcnow())])
    if next(iter(Customer.agent_index.query(user.id, limit=1)), None) is None:
        txn.run(Guards, [txn.delete(user), txn.release(Guards, email_guard(user.email))])
    else:
        user.update(actions=[User.kind.set(REMOVED)])
