"""Leads users: admins, managers and sales users (counsellors), who log in with their username.

A username is unique case-insensitively: a guard item `user#username#<name>` owned by the user's id is
written in the same transaction as the user, and the login reads it (a strongly consistent GetItem,
no index). Admins manage every user; a manager manages sales users only (creates, reads, changes,
deactivates them; any other user is 404 to them, as a missing one).
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
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.leads.models import User
from chalicelib.products.leads.services.common import Guards, find, user_ids
from chalicelib.products.leads.vocabulary import ADMIN, SALES

if TYPE_CHECKING:
    from chalicelib.products.leads.schemas import UserIn, UserPatch

ADMIN_USERNAME = "admin"  # the seeded admin's login
USERNAME_TAKEN = "A user with that username already exists."
NOT_FOUND = "User not found."
MANAGERS_CREATE_SALES = "Managers can only create sales users."
MANAGERS_KEEP_ROLES = "Only admins can change a user's role."
YOURSELF = "You cannot deactivate yourself."


def username_guard(username: str) -> Guard:
    return Guard("user", "username", username, USERNAME_TAKEN)


def principal_of(user: User) -> Principal:
    return Principal(subject=str(user.id), username=user.username, roles=frozenset({user.role}))


def get(user_id: int) -> User | None:
    return find(User, user_id)


def find_by_username(username: str) -> User | None:
    guard = find(Guards, username_guard(username).key)
    return get(int(guard.owner)) if guard is not None and guard.owner.isdigit() else None


def by_id(ids: Iterable[int | None]) -> dict[int, User]:
    return batch_get(User, {int(i) for i in ids if i is not None})


def create_user(username: str, role: str, password: str, *, email: str = "", first_name: str = "",
                last_name: str = "", password_hash: str | None = None) -> User:
    """A user and its username guard in one transaction (400 on `username` when it is taken)."""
    user = User(user_ids.next(), username=username, role=role, email=email or "", first_name=first_name,
                last_name=last_name, password_hash=password_hash or hash_password(password))
    txn.run(Guards, [txn.claim(Guards, username_guard(username), str(user.id)),
                     txn.put(user, condition=User.id.does_not_exist())])
    return user


def set_password(user: User, new_hash: str, changed_at: datetime) -> None:
    user.update(actions=[User.password_hash.set(new_hash), User.tokens_valid_after.set(changed_at)])


def seed_admin(password: str, *, reset: bool = False) -> User:
    """The first admin, idempotent. The embedded stack leaves an existing admin as it is; a deployed
    stage's bootstrap (reset=True) gives it the new password and makes it an active admin again."""
    existing = find_by_username(ADMIN_USERNAME)
    if existing is not None:
        if reset:
            existing.update(actions=[User.password_hash.set(hash_password(password)), User.role.set(ADMIN),
                                     User.is_active.set(1), User.tokens_valid_after.set(utcnow())])
        return existing
    try:
        return create_user(ADMIN_USERNAME, ADMIN, password, email="admin@example.com", first_name="Admin")
    except ValidationFailed:
        return find_by_username(ADMIN_USERNAME)  # type: ignore[return-value]  # a concurrent seed won


# -- management by admins and managers --------------------------------------------------------------
def is_admin(caller: Principal) -> bool:
    return ADMIN in caller.roles


def managed(caller: Principal, user_id: int) -> User:
    """The user, if the caller manages them: admins every user, managers sales users (404 otherwise)."""
    user = get(user_id)
    if user is None or not (is_admin(caller) or user.role == SALES):
        raise NotFound(NOT_FOUND)
    return user


def list_users(caller: Principal, window: Window, role: str | None = None) -> Slice:
    """Users by id: admins everyone (or one role), managers the sales users (another role: empty)."""
    if not is_admin(caller):
        if role not in (None, SALES):
            return Slice([], None)
        role = SALES
    return query_page(User.role_index, role, window) if role else query_page(User.all_index, "user", window)


def add_user(caller: Principal, body: UserIn) -> User:
    """A new user; a manager's is always a sales user (another role: 403). The username is checked
    before the password is hashed."""
    if not is_admin(caller) and body.role != SALES:
        raise Forbidden(MANAGERS_CREATE_SALES)
    if find(Guards, username_guard(body.username).key) is not None:
        raise ValidationFailed({"username": [USERNAME_TAKEN]})
    return create_user(body.username, body.role, body.password, email=body.email or "",
                       first_name=body.first_name, last_name=body.last_name)


def change_user(caller: Principal, user_id: int, body: UserPatch) -> User:
    """Names, e-mail, role (admins), activity and password. A deactivation or a new password ends the
    user's sessions (their refresh tokens die); a role change reaches their tokens at the next refresh."""
    user = managed(caller, user_id)
    sent = {name for name in body.model_fields_set if getattr(body, name) is not None}
    if "role" in sent and body.role != user.role and not is_admin(caller):
        raise Forbidden(MANAGERS_KEEP_ROLES)
    if str(user.id) == caller.subject and (body.is_active is False or ("role" in sent and body.role != user.role)):
        raise Conflict(YOURSELF if body.is_active is False else "You cannot change your own role.")
    actions = [getattr(User, name).set(getattr(body, name)) for name in ("email", "first_name", "last_name", "role")
               if name in sent]
    sessions_end = False
    if "is_active" in sent:
        actions.append(User.is_active.set(int(bool(body.is_active))))
        sessions_end = not body.is_active
    if "password" in sent:
        actions.append(User.password_hash.set(hash_password(str(body.password))))
        sessions_end = True
    if sessions_end:  # one SET of the attribute: DynamoDB refuses two paths that overlap
        actions.append(User.tokens_valid_after.set(utcnow()))
    if actions:
        user.update(actions=actions)
    return user


def deactivate_user(caller: Principal, user_id: int) -> None:
    """DELETE keeps the record (leads and their history name the user) and ends its access."""
    user = managed(caller, user_id)
    if str(user.id) == caller.subject:
        raise Conflict(YOURSELF)
    user.update(actions=[User.is_active.set(0), User.tokens_valid_after.set(utcnow())])
