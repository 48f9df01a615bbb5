"""Reads every product repeats: one item or None/404, many items by key, one page of a Query.

pynamodb's `Model.batch_get` already sends keys in chunks of 100 and retries unprocessed keys; this
module adds what callers need on top: duplicates and None keys dropped, and the answer keyed and in
the order the keys were asked, so a page can be joined to its parents without a Get per row.

`query_page` reads one window of a list (core/paging.py's `Window` -> `Slice`): a Query on a table or
an index with `Limit` and `ExclusiveStartKey`. The start key comes from a signed cursor, so it is ours,
but it is still checked to be a key of *this* table or index (a cursor of another index of the same
list, say after the caller's role changed, would make DynamoDB refuse the Query and moto crash): such a
key, or a Query DynamoDB refuses for its start key, is a 400 on `cursor`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pynamodb.exceptions import QueryError
from pynamodb.indexes import Index
from pynamodb.models import Model

from chalicelib.core.cursors import is_dynamodb_key
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window

M = TypeVar("M", bound=Model)


def get_or_none(model: type[M], key: Any) -> M | None:
    try:
        return model.get(key)
    except model.DoesNotExist:
        return None


def get_or_404(model: type[M], key: Any, message: str = "Not found.") -> M:
    """The item, or NotFound with the product's message (say which kind of record is missing)."""
    item = get_or_none(model, key)
    if item is None:
        raise NotFound(message)
    return item


def batch_get(model: type[M], keys: Iterable[Any]) -> dict[Any, M]:
    """The items found for hash `keys`, keyed by hash key, in the order the keys were first given."""
    wanted = list(dict.fromkeys(key for key in keys if key is not None))
    if not wanted:
        return {}
    hash_name = model._hash_keyname
    found = {getattr(item, hash_name): item for item in model.batch_get(wanted)}
    return {key: found[key] for key in wanted if key in found}


def key_names(source: type[Model] | Index) -> frozenset[str]:
    """The attributes of a LastEvaluatedKey of `source`: the table's key, plus the index's own."""
    if isinstance(source, Index):
        model = source._model
        names = {part["AttributeName"] for part in source._get_schema()["key_schema"]}
    else:
        model, names = source, set()
    names.add(model._hash_keyname)
    if model._range_keyname:
        names.add(model._range_keyname)
    return frozenset(names)


def query_page(source: type[M] | Index, hash_key: Any, window: Window, *args: Any, **query: Any) -> Slice:
    """At most `window.limit` items of a Query on `source` (a model or one of its indexes) after
    `window.after`, and the key to continue after (None once the Query has nothing more).

    `args`/`query` go to pynamodb's `query` as they are: a range key condition, `scan_index_forward`,
    `filter_condition` (pynamodb keeps reading until `limit` items passed the filter)."""
    if window.after is not None and not is_dynamodb_key(window.after, key_names(source)):
        raise ValidationFailed({"cursor": ["Invalid cursor."]})
    try:
        result = source.query(hash_key, *args, limit=window.limit, last_evaluated_key=window.after, **query)
        items = list(result)
    except QueryError as exc:
        if window.after is None:
            raise
        raise ValidationFailed({"cursor": ["Invalid cursor."]}) from exc
    last = result.last_evaluated_key
    return Slice(items, last if last and len(items) >= window.limit else None)
