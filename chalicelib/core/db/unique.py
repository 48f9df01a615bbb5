"""Uniqueness guard items, written in the same transaction as the record they protect.

A guard is an item `<entity>#<field>#<normalised value>` in the product's `uniques` table. Writing
it with `attribute_not_exists` inside the record's transaction makes two concurrent creates with the
same value impossible: one transaction is cancelled and reported as a field error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.core.db.base import BaseModel, meta, utcnow
from chalicelib.core.errors import Conflict, ValidationFailed


@cache
def unique_model(product: str) -> type[Model]:
    class UniqueGuard(Model):
        Meta = meta("uniques", product)
        key = UnicodeAttribute(hash_key=True)
        owner = UnicodeAttribute()

    UniqueGuard.__name__ = f"{product.title()}UniqueGuard"
    return UniqueGuard


@dataclass(frozen=True)
class Guard:
    """One unique value: `field` names the request field reported on a clash."""

    entity: str
    field: str
    value: str
    message: str = ""

    @property
    def key(self) -> str:
        return f"{self.entity}#{self.field}#{self.value.strip().lower()}"


def _distinct(guards: Iterable[Guard], skip: set[str]) -> list[Guard]:
    """Guards in order, one per key, leaving out the `skip` keys."""
    seen: dict[str, Guard] = {}
    for guard in guards:
        if guard.key not in skip:
            seen.setdefault(guard.key, guard)
    return list(seen.values())


class UniqueWriter:
    """Saves, updates and deletes records together with their guard items."""

    def __init__(self, guards_model: type[Model]) -> None:
        self.guards = guards_model

    def _connection(self) -> Connection:
        return self.guards._get_connection().connection

    def save(self, record: BaseModel, owner: str, add: Sequence[Guard] = (),
             release: Iterable[Guard] = (), condition: object | None = None) -> None:
        """Write `record`, claim `add` guards and drop `release` guards in one transaction."""
        record.updated_at = utcnow()
        # A value kept (same normalised key in both lists) keeps its guard: DynamoDB refuses two
        # operations on one item in a transaction.
        add, release = list(add), list(release)
        kept = {g.key for g in add} & {g.key for g in release}
        add, release = _distinct(add, kept), _distinct(release, kept)
        try:
            with TransactWrite(connection=self._connection()) as tx:
                for guard in add:
                    tx.save(self.guards(guard.key, owner=owner),
                            condition=self.guards.key.does_not_exist())
                for guard in release:
                    tx.delete(self.guards(guard.key))
                tx.save(record, condition=condition)
        except TransactWriteError as exc:
            self._raise_for(exc, add, offset=len(release))
            raise

    def delete(self, record: BaseModel, release: Iterable[Guard] = ()) -> None:
        try:
            with TransactWrite(connection=self._connection()) as tx:
                for guard in release:
                    tx.delete(self.guards(guard.key))
                tx.delete(record)
        except TransactWriteError as exc:
            self._raise_for(exc, [])
            raise

    def taken(self, guard: Guard) -> bool:
        """Cheap pre-check used by bulk imports before a batch write (the transaction still decides)."""
        try:
            self.guards.get(guard.key)
        except self.guards.DoesNotExist:
            return False
        return True

    def claim(self, guard: Guard, owner: str) -> bool:
        """Claim one guard on its own (bulk paths); False when the value is taken."""
        try:
            self.guards(guard.key, owner=owner).save(condition=self.guards.key.does_not_exist())
        except Exception as exc:  # PutError with a conditional failure
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @staticmethod
    def _raise_for(exc: TransactWriteError, add: Sequence[Guard], offset: int = 0) -> None:
        """Map cancellation reasons to field errors. pynamodb sends deletes before puts, so the
        `add` guards' reasons start after the `offset` released guards."""
        reasons = exc.cancellation_reasons or []
        fields: dict[str, list[str]] = {}
        for index, reason in enumerate(reasons):
            if reason is None or reason.code != "ConditionalCheckFailed":
                continue
            if offset <= index < offset + len(add):
                guard = add[index - offset]
                fields[guard.field] = [guard.message or f"This {guard.field} is already taken."]
            else:
                raise Conflict("The record was changed by someone else; reload and retry.") from exc
        if fields:
            raise ValidationFailed(fields) from exc
