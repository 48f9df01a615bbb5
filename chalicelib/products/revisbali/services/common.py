"""What every RevisBali service shares: the counters and uniqueness tables, id sequences, lookups."""

from __future__ import annotations

from typing import Any

from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.read import get_or_none, query_page
from chalicelib.core.db.unique import unique_model
from chalicelib.core.paging import Slice, Window
from chalicelib.core.states import history_model
from chalicelib.products.revisbali.models import PRODUCT

Counters = counter_model(PRODUCT)
Guards = unique_model(PRODUCT)
History = history_model(PRODUCT)  # every status move of applications and invoices
find = get_or_none

user_ids = IdSequence(Counters, "users")
customer_ids = IdSequence(Counters, "customers")


Source = tuple[Any, Any, Any] | None  # (index, hash key, filter condition) a list's scope chose; None: nothing visible


def page_of(source: Source, window: Window, *, oldest_first: bool) -> Slice:
    """One Query on the index a list's scope and filters chose (applications and invoices alike)."""
    if source is None:
        return Slice([], None)
    index, key, status_filter = source
    return query_page(index, key, window, scan_index_forward=oldest_first, filter_condition=status_filter)


def count_of(source: Source) -> int:
    if source is None:
        return 0
    index, key, status_filter = source
    return index.count(key, filter_condition=status_filter)
