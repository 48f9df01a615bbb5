"""Uniqueness guard items, written in the same transaction as the record they protect.

A guard is an item `<entity>#<field>#<normalised value>` owned by one record, in the product's
`uniques` table. `core.db.txn.claim` writes it inside the record's transaction when it is free or
already that record's, so two concurrent writers of one value cannot both win: the loser's
transaction is cancelled and reported as a field error.
"""

from __future__ import annotations

from functools import cache

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db.base import meta
from chalicelib.core.records import Record


@cache
def unique_model(product: str) -> type[Model]:
    class UniqueGuard(Model):
        Meta = meta("uniques", product)
        key = UnicodeAttribute(hash_key=True)
        owner = UnicodeAttribute()

    UniqueGuard.__name__ = f"{product.title()}UniqueGuard"
    return UniqueGuard


class Guard(Record, frozen=True):
    """One unique value: `field` names the request field reported on a clash."""

    entity: str
    field: str
    value: str
    message: str = ""

    @property
    def key(self) -> str:
        return f"{self.entity}#{self.field}#{self.value.strip().lower()}"
