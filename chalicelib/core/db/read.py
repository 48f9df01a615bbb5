"""Reads every product repeats: one item or None/404, and many items by key in one round of BatchGetItem.

pynamodb's `Model.batch_get` already sends keys in chunks of 100 and retries unprocessed keys; this
module adds what callers need on top: duplicates and None keys dropped, and the answer keyed and in
the order the keys were asked, so a page can be joined to its parents without a Get per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pynamodb.models import Model

from chalicelib.core.errors import NotFound

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
