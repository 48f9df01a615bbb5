"""ISP users: created by those allowed to, logged in by e-mail, each holding one role (roles are data).

E-mail and username are unique case-insensitively: guard items written in the same transaction as
the user (moved in the same transaction when they change). Who may change whom: only a super_admin
changes a super_admin or grants that role; the last active super_admin can never be deleted,
deactivated or demoted, which a counter of active super_admins, changed in the same transaction as
the user with the condition that one stays, guarantees under concurrent changes too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.passwords import hash_password
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.read import query_page
from chalicelib.core.db.search import PrefixIndex, search_model
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.core.records import Record
from chalicelib.products.isp.models import PRODUCT, Role, User
from chalicelib.products.isp.permissions import BUILTIN_IDS, SALES_PERSON, SUPER_ADMIN
from chalicelib.products.isp.services import roles
from chalicelib.products.isp.services.common import Counters, Guards, find, user_ids
from chalicelib.products.isp.services.owners import ASSIGNED

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import UserEdit, UserQuery

ADMIN_EMAIL, ADMIN_USERNAME = "admin@example.com", "admin"  # the seeded super_admin (DESIGN.md)
EMAIL_TAKEN = "user with this email already exists."
USERNAME_TAKEN = "A user with that username already exists."
NOT_FOUND = "User not found."
LAST_SUPER_ADMIN = "The last active super_admin cannot be deleted, deactivated or given another role."
SUPER_ONLY = "Only a super_admin can change a super_admin or grant the super_admin role."
ACTIVE_SUPER_ADMINS = "active-super-admins"
UserSearch = search_model(PRODUCT, "users")
SEARCH = PrefixIndex(UserSearch)


def _email_guard(email: str) -> Guard:
    return Guard("user", "email", email, EMAIL_TAKEN)


def _username_guard(username: str) -> Guard:
    return Guard("user", "username", username, USERNAME_TAKEN)


def _searchable(user: User) -> tuple[str, ...]:
    return (user.email, user.username, user.first_name, user.last_name)


def principal_of(user: User) -> Principal:
    return Principal(subject=str(user.id), username=user.username, roles=frozenset({user.role_name}))


def find_by_email(email: str) -> User | None:
    return next(iter(User.email_index.query(email.strip().lower(), limit=1)), None)


def get_user(user_id: int) -> User:
    user = find(User, user_id)
    if user is None:
        raise NotFound(NOT_FOUND)
    return user


def role_by_id(role_id: int | None) -> Role:
    """The role a body names by id (sales_person when none is named); 400 on `role` when there is none."""
    role = find(Role, BUILTIN_IDS[SALES_PERSON] if role_id is None else role_id)
    if role is None:
        raise ValidationFailed({"role": [f'Invalid pk "{role_id}" - object does not exist.']})
    return role


def _super_steps(before: bool, after: bool) -> list[txn.Step]:
    """Keep the count of active super_admins; the one that would drop it to zero is refused (409)."""
    if before == after:
        return []
    counter = Counters(ACTIVE_SUPER_ADMINS)
    if after:
        return [txn.update(counter, [Counters.value.add(1)])]
    return [txn.update(counter, [Counters.value.add(-1)], condition=Counters.value > 1,
                       error=Conflict(LAST_SUPER_ADMIN))]


def _role_exists(role: Role) -> txn.Step:
    return txn.check(Role, role.id, Role.id.exists(),
                     ValidationFailed({"role": [f'Invalid pk "{role.id}" - object does not exist.']}))


def _check_actor(actor: Principal | None, target: User | None, role: Role) -> None:
    """An actor who is not a super_admin may neither touch a super_admin nor make one (None: the system)."""
    if actor is None or SUPER_ADMIN in actor.roles:
        return
    if (target is not None and target.role_name == SUPER_ADMIN) or (role.name == SUPER_ADMIN and (
            target is None or target.role_name != SUPER_ADMIN)):
        raise Forbidden(SUPER_ONLY)


class Profile(Record):
    """A user's editable fields, validated."""

    email: str
    username: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool


def create_user(actor: Principal | None, profile: Profile, password: str, *, password_hash: str | None = None) -> User:
    """A user, their guards, the role's user count and the super_admin count in one transaction."""
    _check_actor(actor, None, profile.role)
    for guard in (_email_guard(profile.email), _username_guard(profile.username)):
        if find(Guards, guard.key) is not None:  # cheap before hashing; the transaction decides races
            raise ValidationFailed({guard.field: [guard.message]})
    user = User(user_ids.next(), email=profile.email, email_key=profile.email.lower(), username=profile.username,
                first_name=profile.first_name, last_name=profile.last_name, role=profile.role.id,
                role_name=profile.role.name, is_active=profile.is_active,
                password_hash=password_hash or hash_password(password))
    txn.run(Guards, [txn.claim(Guards, _email_guard(user.email), str(user.id)),
                     txn.claim(Guards, _username_guard(user.username), str(user.id)),
                     txn.put(user, condition=User.id.does_not_exist()), _role_exists(profile.role),
                     roles.ROLE_USERS.add(profile.role.id),
                     *_super_steps(False, profile.role.name == SUPER_ADMIN and profile.is_active)])
    SEARCH.replace(user.id, (), _searchable(user))
    return user


def _change(actor: Principal | None, user: User, profile: Profile) -> User:
    """Every change of a user goes through here: guards moved, role counts and the super_admin count
    kept, all in one transaction with the user's version checked."""
    _check_actor(actor, user, profile.role)
    if actor is not None and actor.user_id == user.id and not profile.is_active:
        raise Conflict("You cannot deactivate your own account.")
    steps = [*txn.swap(Guards, _email_guard(user.email), _email_guard(profile.email), str(user.id)),
             *txn.swap(Guards, _username_guard(user.username), _username_guard(profile.username), str(user.id))]
    if profile.role.id != user.role:
        steps += [_role_exists(profile.role), roles.ROLE_USERS.remove(user.role), roles.ROLE_USERS.add(profile.role.id)]
    steps += _super_steps(user.role_name == SUPER_ADMIN and user.is_active,
                          profile.role.name == SUPER_ADMIN and profile.is_active)
    values = {"email": profile.email, "email_key": profile.email.lower(), "username": profile.username,
              "first_name": profile.first_name, "last_name": profile.last_name, "role": profile.role.id,
              "role_name": profile.role.name, "is_active": profile.is_active}
    actions = [getattr(User, name).set(value) for name, value in values.items() if getattr(user, name) != value]
    if not actions:
        return user
    before = _searchable(user)
    txn.run(Guards, [*steps, txn.update(user, [*actions, User.updated_at.set(utcnow())])])
    user.refresh()
    SEARCH.replace(user.id, before, _searchable(user))
    return user


def _profile_of(user: User) -> UserEdit:
    from chalicelib.products.isp.schemas import UserEdit

    return UserEdit.model_construct(email=user.email, username=user.username, first_name=user.first_name,
                                    last_name=user.last_name, role=user.role, is_active=user.is_active)


def update_user(actor: Principal, user_id: int, body: Any, *, partial: bool) -> User:
    """PUT (every field) or PATCH (the fields sent, over the user's current values)."""
    from chalicelib.products.isp.schemas import UserEdit

    user = get_user(user_id)
    full: UserEdit = merged(_profile_of(user), body, UserEdit) if partial else body
    role = role_by_id(full.role) if full.role != user.role else (find(Role, user.role) or role_by_id(full.role))
    return _change(actor, user, Profile(full.email, full.username, full.first_name, full.last_name, role,
                                        full.is_active))


def assign_role(actor: Principal, user_id: int, role_name: str) -> User:
    user = get_user(user_id)
    role = roles.find_by_name(role_name)
    if role is None:
        raise ValidationFailed({"role": [f'Role "{role_name}" does not exist.']})
    return _change(actor, user, Profile(user.email, user.username, user.first_name, user.last_name, role,
                                        user.is_active))


def delete_user(actor: Principal, user_id: int) -> None:
    user = get_user(user_id)
    role = find(Role, user.role) or Role(user.role, name=user.role_name)
    _check_actor(actor, user, role)
    if actor.user_id == user.id:
        raise Conflict("You cannot delete your own account.")
    txn.run(Guards, [txn.delete(user),
                     txn.release(Guards, _email_guard(user.email)), txn.release(Guards, _username_guard(user.username)),
                     roles.ROLE_USERS.remove(user.role), ASSIGNED.none_left(user.id),
                     *_super_steps(user.role_name == SUPER_ADMIN and user.is_active, False)])
    SEARCH.replace(user.id, _searchable(user), ())


def list_users(query: UserQuery, window: Window) -> Slice:
    """Users by id (`ordering=-id` or `-created_at`: newest first): one Query on `role-index` for a
    role, else on `all-index`; `is_active` filters that Query; `search` is a Query on the users' word
    prefixes (in id order), the other filters checked on the users read."""
    role_id = query.role
    if query.role_name is not None:
        role = roles.find_by_name(query.role_name)
        if role is None or (role_id is not None and role.id != role_id):
            return Slice([], None)
        role_id = role.id
    if query.search:
        return SEARCH.records(User, query.search, window, _searchable, lambda user: (
            (role_id is None or user.role == role_id)
            and (query.is_active is None or user.is_active == query.is_active)))
    forward = query.ordering is None or not query.ordering.startswith("-")
    condition = (User.is_active == query.is_active) if query.is_active is not None else None
    if role_id is not None:
        return query_page(User.role_index, role_id, window, scan_index_forward=forward, filter_condition=condition)
    return query_page(User.all_index, "user", window, scan_index_forward=forward, filter_condition=condition)


def set_password(user: User, new_hash: str, changed_at: Any) -> None:
    user.update(actions=[User.password_hash.set(new_hash), User.tokens_valid_after.set(changed_at)])


def seed_admin(password: str, *, reset: bool = False) -> User:
    """The built-in roles and the first super_admin (admin@example.com), idempotent. The embedded stack
    leaves an existing one as it is; a deployed stage's bootstrap (reset=True) gives it the new password
    and makes it an active super_admin again, so running it twice keeps one."""
    roles.ensure_builtin_roles()
    super_admin = roles.get_role(BUILTIN_IDS[SUPER_ADMIN])
    existing = find_by_email(ADMIN_EMAIL)
    if existing is not None:
        if reset:
            set_password(existing, hash_password(password), utcnow())
            existing.refresh()
            _change(None, existing, Profile(existing.email, existing.username, existing.first_name,
                                            existing.last_name, super_admin, True))
        return existing
    try:
        return create_user(None, Profile(ADMIN_EMAIL, ADMIN_USERNAME, "", "", super_admin, True), password)
    except ValidationFailed:
        return find_by_email(ADMIN_EMAIL)  # a concurrent seed won
