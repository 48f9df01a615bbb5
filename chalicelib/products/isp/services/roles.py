"""Roles as data: the built-in three, roles an admin creates, and the cache every permission check reads.

A role's name is unique (a guard item) and never changes, since tokens carry it; its permissions may
change at any time and reach every Lambda within a minute (core.auth.rights). The super_admin role
always grants every permission (its list is written by the code, not editable); built-in roles are
never deleted. A role still held by users cannot be deleted (409, core.db.relations).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import UpdateError

from chalicelib.core.auth.principal import Principal
from chalicelib.core.auth.rights import RoleRights
from chalicelib.core.db import txn
from chalicelib.core.db.base import is_conditional_failure
from chalicelib.core.db.read import query_page
from chalicelib.core.db.relations import Children
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import ApiError, Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.isp.models import Role
from chalicelib.products.isp.permissions import (
    ALL,
    BUILTIN_DESCRIPTIONS,
    BUILTIN_IDS,
    BUILTIN_RIGHTS,
    SUPER_ADMIN,
)
from chalicelib.products.isp.services.common import Counters, Guards, find, role_ids

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import RoleIn

NOT_FOUND = "Role not found."
NAME_TAKEN = "A role with this name already exists."
ROLE_USERS = Children(Counters, "role-users", "This role is still assigned to users; assign them another role first.")


def _name_guard(name: str) -> Guard:
    return Guard("role", "name", name, NAME_TAKEN)


def find_by_name(name: str) -> Role | None:
    return next(iter(Role.name_index.query(name, limit=1)), None)


def _rights_of(name: str) -> Iterable[str] | None:
    role = find_by_name(name)
    if role is None:
        return None
    return ALL if role.name == SUPER_ADMIN else role.permissions


RIGHTS = RoleRights(_rights_of)


def may(principal: Principal, permission: str) -> bool:
    """Whether the caller's role grants `permission` now (the same cache the routes' checks use)."""
    return RIGHTS.allows(principal, permission)


def get_role(role_id: int) -> Role:
    role = find(Role, role_id)
    if role is None:
        raise NotFound(NOT_FOUND)
    return role


def list_roles(window: Window) -> Slice:
    return query_page(Role.all_index, "role", window)


def create_role(body: RoleIn) -> Role:
    if find(Guards, _name_guard(body.name).key) is not None:
        raise ValidationFailed({"name": [NAME_TAKEN]})
    role = Role(role_ids.next(), name=body.name, description=body.description, permissions=list(body.permissions))
    txn.run(Guards, [txn.claim(Guards, _name_guard(role.name), str(role.id)),
                     txn.put(role, condition=Role.id.does_not_exist())])
    RIGHTS.forget(role.name)
    return role


def update_role(role_id: int, body: Any, *, partial: bool) -> Role:
    """PUT or PATCH: description and permissions. The name stays (400 when another is sent); the
    super_admin role's permissions are every permission, always (403 on a change)."""
    from chalicelib.products.isp.schemas import RoleIn

    role = get_role(role_id)
    current = RoleIn.model_construct(name=role.name, description=role.description, permissions=list(role.permissions))
    full: RoleIn = merged(current, body, RoleIn) if partial else body
    if full.name != role.name:
        raise ValidationFailed({"name": ["A role's name cannot be changed; create a new role instead."]})
    if role.name == SUPER_ADMIN and set(full.permissions) != ALL:
        raise Forbidden("The super_admin role always has every permission.")
    role.description, role.permissions = full.description, sorted(set(full.permissions))
    role.save()
    RIGHTS.forget(role.name)
    return role


def delete_role(role_id: int) -> None:
    role = get_role(role_id)
    if role.builtin:
        raise Forbidden("Built-in roles cannot be deleted.")
    txn.run(Guards, [txn.delete(role),
                     txn.release(Guards, _name_guard(role.name)), ROLE_USERS.none_left(role.id)])
    RIGHTS.forget(role.name)


def ensure_builtin_roles() -> None:
    """The three built-in roles, idempotent: a missing one is created with its default rights (an
    admin's later changes to admin or sales_person stay); super_admin is given every permission the
    code knows (a release adding permissions reaches it); the role ids sequence starts after them."""
    for name, role_id in BUILTIN_IDS.items():
        role = find(Role, role_id)
        if role is None:
            role = Role(role_id, name=name, description=BUILTIN_DESCRIPTIONS[name],
                        permissions=sorted(BUILTIN_RIGHTS[name]), builtin=True)
            try:
                txn.run(Guards, [txn.claim(Guards, _name_guard(name), str(role_id)),
                                 txn.put(role, condition=Role.id.does_not_exist())])
            except ApiError:  # a concurrent seed made it
                continue
        elif name == SUPER_ADMIN and set(role.permissions) != ALL:
            role.update(actions=[Role.permissions.set(sorted(ALL))])
        RIGHTS.forget(name)
    last = max(BUILTIN_IDS.values())
    try:
        Counters("roles").update(actions=[Counters.value.set(last)],
                                 condition=Counters.value.does_not_exist() | (Counters.value < last))
    except UpdateError as exc:
        if not is_conditional_failure(exc):
            raise
