"""One DynamoDB transaction built from a list of steps, each naming the error its condition means.

Records, their unique guards, parent existence checks and child counters change together, so a
child can never point at a deleted parent and a parent with children can never be deleted.

One rule for unique values (`claim`): a guard item may be written when it is free or already owned by
the same record, so a record keeps its own value on update (and a retried import row is no clash)
but can never take another record's. `swap` is that rule for an update: nothing when the normalised
value is unchanged (DynamoDB refuses two operations on one item in a transaction), else claim the new
guard and release the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.core.db.base import utcnow
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import ApiError, Conflict, ValidationFailed

# pynamodb sends a transaction's items in this order, whatever order they were added in.
_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}


@dataclass
class Step:
    kind: str  # check | delete | put | update
    item: Any  # a model instance, or the model class for "check"
    condition: Any = None
    actions: list[Any] = field(default_factory=list)
    key: Any = None  # hash key for "check"
    error: ApiError | None = None  # what a failed condition means (default: a 409)


def put(item: Model, condition: Any = None, error: ApiError | None = None) -> Step:
    if hasattr(item, "updated_at"):
        item.updated_at = utcnow()
    return Step("put", item, condition=condition, error=error)


def delete(item: Model, condition: Any = None, error: ApiError | None = None) -> Step:
    return Step("delete", item, condition=condition, error=error)


def update(item: Model, actions: list[Any], condition: Any = None, error: ApiError | None = None) -> Step:
    return Step("update", item, condition=condition, actions=actions, error=error)


def check(model: type[Model], key: Any, condition: Any, error: ApiError) -> Step:
    return Step("check", model, condition=condition, key=key, error=error)


def claim(guards: type[Model], guard: Guard, owner: str) -> Step:
    """Claim a unique value: free, or already `owner`'s (a retried import row) is no clash."""
    message = guard.message or f"This {guard.field} is already taken."
    return put(guards(guard.key, owner=owner), condition=guards.key.does_not_exist() | (guards.owner == owner),
               error=ValidationFailed({guard.field: [message]}))


def release(guards: type[Model], guard: Guard) -> Step:
    return delete(guards(guard.key))


def swap(guards: type[Model], old: Guard, new: Guard, owner: str) -> list[Step]:
    """The steps moving `owner` from value `old` to `new`: none when both normalise to one key."""
    if old.key == new.key:
        return []
    return [claim(guards, new, owner), release(guards, old)]


def run(connection_model: type[Model], steps: list[Step]) -> None:
    """Commit `steps` atomically; a failed condition raises the step's error (field errors merged)."""
    ordered = sorted(steps, key=lambda step: _ORDER[step.kind])
    try:
        with TransactWrite(connection=connection_model._get_connection().connection) as tx:
            for step in ordered:
                if step.kind == "check":
                    tx.condition_check(step.item, step.key, condition=step.condition)
                elif step.kind == "delete":
                    tx.delete(step.item, condition=step.condition)
                elif step.kind == "put":
                    tx.save(step.item, condition=step.condition)
                else:
                    tx.update(step.item, step.actions, condition=step.condition)
    except TransactWriteError as exc:
        raise _error_for(exc, ordered) from exc


def _error_for(exc: TransactWriteError, ordered: list[Step]) -> ApiError:
    reasons = exc.cancellation_reasons or []
    fields: dict[str, list[str]] = {}
    other: ApiError | None = None
    for index, reason in enumerate(reasons):
        if reason is None or reason.code != "ConditionalCheckFailed" or index >= len(ordered):
            continue
        error = ordered[index].error or Conflict("The record was changed by someone else; reload and retry.")
        if isinstance(error, ValidationFailed) and error.field_errors:
            for name, messages in error.field_errors.items():
                fields.setdefault(name, []).extend(messages)
        elif other is None:
            other = error
    if fields:
        return ValidationFailed(fields)
    return other or Conflict("The record was changed by someone else; reload and retry.")
