"""RepaySync users: registration (pending until approved), approval, rejection and the first admin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.auth.passwords import hash_password
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.read import query_page
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.repaysync.models import PRODUCT, User
from chalicelib.products.repaysync.roles import PUBLIC_ROLES
from chalicelib.products.repaysync.services.common import (
    ACTIVE,
    ADMIN,
    APPROVERS,
    MANAGER,
    PENDING,
    Guards,
    find,
    user_ids,
)

if TYPE_CHECKING:
    from chalicelib.products.repaysync.schemas import RegisterRequest


def _username_guard(username: str) -> Guard:
    return Guard("user", "username", username, "A user with that username already exists.")


def _email_guard(email: str) -> Guard:
    return Guard("user", "email", email, "A user with that email already exists.")


def principal_of(user: User) -> Principal:
    return Principal(subject=str(user.id), username=user.username, roles=frozenset({user.role}))


def register_user(body: RegisterRequest, actor: Principal | None, address: str = "unknown") -> User:
    """Public for agents and officers; a manager or admin is registered only by an admin.

    A self-registered account is pending until a manager or an admin approves it: a calling agent
    sees every customer, so an anonymous sign-up must not open the loan book to anyone. Such public
    registrations are counted per source address (429 past the limit) before any lookup or hashing."""
    if body.role not in PUBLIC_ROLES and (actor is None or ADMIN not in actor.roles):
        raise Forbidden("Only an admin can register a manager or an admin.")
    approved = actor is not None and bool(actor.roles & APPROVERS)
    if not approved:
        _count_public_registration(address)
    if body.manager is not None:
        manager = find(User, body.manager)
        if not is_active(manager, MANAGER):
            raise ValidationFailed({"manager": [f"Invalid pk \"{body.manager}\" - no manager with this id."]})
    for guard in (_username_guard(body.username), _email_guard(body.email)):
        if find(Guards, guard.key) is not None:  # cheap pre-check: no hashing for a taken name
            raise ValidationFailed({guard.field: [guard.message]})
    return create_user(body.username, body.email, body.role, body.password, manager=body.manager, phone=body.phone,
                       active=approved)


def _count_public_registration(address: str) -> None:
    from datetime import timedelta

    from chalicelib.core.auth.lockout import RateLimiter
    from chalicelib.products.repaysync.settings import settings as repaysync_settings

    settings = repaysync_settings()
    RateLimiter(PRODUCT, "register").hit(address, settings.register_per_address,
                                         timedelta(minutes=settings.register_window_minutes),
                                         "Too many registrations from this address; try again later.")


def is_active(user: User | None, role: str) -> bool:
    """An approved user of that role: a pending registration can be neither a manager nor an officer
    of record (it could be rejected, and its id reused by nobody but still referenced)."""
    return user is not None and user.role == role and user.kind == ACTIVE


def create_user(username: str, email: str, role: str, password: str, *, manager: int | None = None,
                phone: str | None = None, password_hash: str | None = None, active: bool = True) -> User:
    user = User(user_ids.next(), kind=ACTIVE if active else PENDING, username=username,
                username_key=username.lower(), email=email, role=role, manager=manager, phone=phone,
                password_hash=password_hash or hash_password(password))
    owner = str(user.id)
    txn.run(Guards, [txn.claim(Guards, _username_guard(username), owner),
                     txn.claim(Guards, _email_guard(email), owner), txn.put(user)])
    return user


def find_user(username: str) -> User | None:
    return next(iter(User.username_index.query(username.strip().lower(), limit=1)), None)


def list_users(page: Window, *, pending: bool = False) -> Slice:
    """Approved users, or the registrations waiting for approval (one partition each of the index)."""
    kind = PENDING if pending else ACTIVE
    return query_page(User.all_index, kind, page)


NOT_PENDING = "This user is not waiting for approval."


def _pending_user(user_id: int) -> User:
    user = find(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    if user.kind != PENDING:
        raise Conflict(NOT_PENDING)
    return user


def approve_user(user_id: int) -> User:
    """Activate a self-registered account; 409 for a user who is not pending (already approved), 404 for
    one who never was or was rejected. Conditional, so an approve racing a reject cannot revive it."""
    user = _pending_user(user_id)
    user.update(actions=[User.kind.set(ACTIVE)], condition=User.kind == PENDING)
    return user


def reject_user(user_id: int) -> None:
    """Remove a pending registration and free its username and email, in one transaction."""
    user = _pending_user(user_id)
    txn.run(Guards, [txn.delete(user, condition=User.kind == PENDING, error=Conflict(NOT_PENDING)),
                     txn.release(Guards, _username_guard(user.username)),
                     txn.release(Guards, _email_guard(user.email))])


def seed_admin(password: str, *, reset: bool = False) -> User:
    """The first admin, idempotent. The embedded stack leaves an existing `admin` as it is; a
    deployed stage's bootstrap (`make bootstrap-admin`, reset=True) gives it the new password and
    makes it an active admin again, so running it twice keeps one admin."""
    existing = find_user("admin")
    if existing is not None:
        if reset:
            existing.update(actions=[User.password_hash.set(hash_password(password)), User.kind.set(ACTIVE),
                                     User.role.set(ADMIN), User.tokens_valid_after.set(utcnow())])
        return existing
    try:
        return create_user("admin", "admin@example.com", ADMIN, password, phone="+911111111111")
    except ValidationFailed:
        return find_user("admin")  # a concurrent seed won
