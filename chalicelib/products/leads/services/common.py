"""What every Leads service shares: the counters and uniqueness tables, the id sequence, lookups."""

from __future__ import annotations

from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.read import get_or_none
from chalicelib.core.db.unique import unique_model
from chalicelib.products.leads.models import PRODUCT

Counters = counter_model(PRODUCT)
Guards = unique_model(PRODUCT)
find = get_or_none

user_ids = IdSequence(Counters, "users")
