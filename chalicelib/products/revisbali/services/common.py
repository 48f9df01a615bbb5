"""What every RevisBali service shares: the counters and uniqueness tables, id sequences, lookups."""

from __future__ import annotations

from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.read import get_or_none
from chalicelib.core.db.unique import unique_model
from chalicelib.core.states import history_model
from chalicelib.products.revisbali.models import PRODUCT

Counters = counter_model(PRODUCT)
Guards = unique_model(PRODUCT)
History = history_model(PRODUCT)  # every status move of applications and invoices
find = get_or_none

user_ids = IdSequence(Counters, "users")
customer_ids = IdSequence(Counters, "customers")
