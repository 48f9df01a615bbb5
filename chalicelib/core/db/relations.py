"""A parent counting its children, so a parent with children left is never deleted (409).

The count is an item `<relation>#<parent id>` in the product's counters table, changed in the same
transaction as the child it counts (`add`, `remove`); the parent's delete transaction carries
`none_left`, which deletes the (empty) count item on the condition that it is zero or missing. A
delete therefore either sees the child and answers 409, or the child's create (which also checks
that the parent exists) sees no parent and fails: no orphan, no lost count.
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model

from chalicelib.core.db import txn
from chalicelib.core.errors import Conflict
from chalicelib.core.records import Record


class Children(Record, frozen=True):
    """A declared parent-to-children relation, e.g. `Children(Counters, "customer-loans", "...")`."""

    counters: type[Model]
    name: str
    message: str  # the 409 a delete of a parent with children left answers

    def _item(self, parent_id: Any) -> Model:
        return self.counters(f"{self.name}#{parent_id}")

    def add(self, parent_id: Any, how_many: int = 1) -> txn.Step:
        return txn.update(self._item(parent_id), [self.counters.value.add(how_many)])

    def remove(self, parent_id: Any, how_many: int = 1) -> txn.Step:
        return txn.update(self._item(parent_id), [self.counters.value.add(-how_many)])

    def none_left(self, parent_id: Any) -> txn.Step:
        """For the parent's delete: drops the count item, or fails with the 409 while children exist."""
        value = self.counters.value
        return txn.delete(self._item(parent_id), condition=value.does_not_exist() | (value <= 0),
                          error=Conflict(self.message))

    def count(self, parent_id: Any) -> int:
        try:
            return int(self.counters.get(f"{self.name}#{parent_id}").value or 0)
        except self.counters.DoesNotExist:
            return 0
