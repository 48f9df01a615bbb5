"""One window of a DynamoDB Query, for `Call.listing` (core/paging.py): the list functions' one reader.

A signed cursor has already been checked by core/cursors.py; this also checks that its key names
exactly the attributes of the index being read (DynamoDB refuses a foreign key, moto crashes on it),
so a cursor of another list or an index change is a 400 on `cursor`, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.exceptions import QueryError

from chalicelib.core.cursors import is_dynamodb_key
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.paging import Slice, Window

INVALID_CURSOR = {"cursor": ["Invalid cursor."]}


def query_page(run_query: Callable[[int, dict[str, Any] | None], Any], page: Window, keys: Iterable[str]) -> Slice:
    """`run_query(limit, last_evaluated_key)` read as one window; `keys` are the attributes of the
    queried index's key and the table's key (what DynamoDB returns as LastEvaluatedKey)."""
    if page.after is not None and not is_dynamodb_key(page.after, frozenset(keys)):
        raise ValidationFailed(INVALID_CURSOR)
    try:
        result = run_query(page.limit, page.after)
        items = list(result)
        last = result.last_evaluated_key
    except QueryError as exc:
        if page.after is None:
            raise
        raise ValidationFailed(INVALID_CURSOR) from exc
    return Slice(items, last if len(items) >= page.limit else None)
