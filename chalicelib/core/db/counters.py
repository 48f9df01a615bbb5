"""Integer ids from an atomic counter item (the specs use integer ids)."""

from __future__ import annotations

from functools import cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db.base import meta


@cache
def counter_model(product: str) -> type[Model]:
    """The counters table of `product` (one item per sequence)."""

    class Counter(Model):
        Meta = meta("counters", product)
        name = UnicodeAttribute(hash_key=True)
        value = NumberAttribute(default=0)

    Counter.__name__ = f"{product.title()}Counter"
    return Counter


class IdSequence:
    """A named sequence in a product's counters table."""

    def __init__(self, counters: type[Model], name: str) -> None:
        self.counters = counters
        self.name = name

    def reserve(self, count: int = 1) -> range:
        """Reserve `count` consecutive ids with one atomic ADD (a bulk import takes a block)."""
        if count < 1:
            return range(0)
        item = self.counters(self.name)
        item.update(actions=[self.counters.value.add(count)])
        last = int(item.value)
        return range(last - count + 1, last + 1)

    def next(self) -> int:
        return self.reserve(1)[0]
