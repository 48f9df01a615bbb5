"""Who works a prospect or a customer: a sales person (any user) they are assigned to.

A caller whose role lacks `<module>.view_all` sees and works only the records assigned to them
(another's is 404, as if it did not exist) and cannot assign one to someone else. An assigned user is
counted (core.db.relations), so a user with records left cannot be deleted (409) and a record is
never assigned to a user being deleted.
"""

from __future__ import annotations

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.read import batch_get
from chalicelib.core.db.relations import Children
from chalicelib.core.errors import ValidationFailed
from chalicelib.products.isp.models import User
from chalicelib.products.isp.services import roles
from chalicelib.products.isp.services.common import Counters

ASSIGNED = Children(Counters, "user-records",
                    "This user still has prospects or customers assigned; assign them to someone else first.")


def sees_all(principal: Principal, module: str) -> bool:
    return roles.may(principal, f"{module}.view_all")


def owner_for(principal: Principal, module: str, asked: int | None, field: str, current: int | None = None) -> int:
    """The user a record will be assigned to: `asked`, else `current`, else the caller. A caller who
    sees only their own may name only themselves (400 on `field`)."""
    chosen = asked if asked is not None else current if current is not None else principal.user_id
    if chosen is None:
        raise ValidationFailed({field: ["This field is required."]})
    if not sees_all(principal, module) and chosen != principal.user_id:
        raise ValidationFailed({field: ["You can only assign records to yourself."]})
    return chosen


def assign_steps(field: str, old: int | None, new: int | None) -> list[txn.Step]:
    """The steps moving a record from user `old` to `new` (None: nobody): counts, and `new` exists."""
    if old == new:
        return []
    steps: list[txn.Step] = []
    if old is not None:
        steps.append(ASSIGNED.remove(old))
    if new is not None:
        steps += [ASSIGNED.add(new), txn.check(User, new, User.id.exists(), ValidationFailed(
            {field: [f'Invalid pk "{new}" - object does not exist.']}))]
    return steps


def users_by_id(ids: list[int | None]) -> dict[int, User]:
    """The users of a page of records, read in one batch."""
    return batch_get(User, ids)
