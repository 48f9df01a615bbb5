"""What every ISP aggregate shares: tables, id sequences and the caller's rights."""

from __future__ import annotations

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.read import get_or_none
from chalicelib.core.db.unique import unique_model
from chalicelib.products.isp.models import PRODUCT

Counters = counter_model(PRODUCT)
Guards = unique_model(PRODUCT)
find = get_or_none

user_ids = IdSequence(Counters, "users")
role_ids = IdSequence(Counters, "roles")


def may(principal: Principal, permission: str) -> bool:
    """Whether the caller's role grants `permission` now (the same cache the routes' checks use)."""
    from chalicelib.products.isp.services.roles import RIGHTS

    return RIGHTS.allows(principal, permission)
