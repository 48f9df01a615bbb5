"""What every VST aggregate shares: tables, roles and id sequences."""

from __future__ import annotations

from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.read import get_or_none
from chalicelib.core.db.unique import unique_model
from chalicelib.products.vst.models import PRODUCT

Counters = counter_model(PRODUCT)
Guards = unique_model(PRODUCT)
find = get_or_none

CUSTOMER, WORKER, ADMIN = "customer", "worker", "admin"
ROLES = (CUSTOMER, WORKER, ADMIN)
STAFF = frozenset({WORKER, ADMIN})

user_ids = IdSequence(Counters, "users")
