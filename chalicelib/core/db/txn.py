"""One DynamoDB transaction built from a list of steps, each naming the error its condition means.

Records, their unique guards, parent existence checks and child counters change together, so a
child can never point at a deleted parent and a parent with children can never be deleted.

One rule for unique values (`claim`): a guard item may be written when it is free or already owned by
the same record, so a record keeps its own value on update (and a retried import row is no clash)
but can never take another record's. `swap` is that rule for an update: nothing when the normalised
value is unchanged (DynamoDB refuses two operations on one item in a transaction), else claim the new
guard and release the old one.

`run_rows` commits many independent rows (each all or nothing) in as few transactions as DynamoDB's
100-item limit allows: a bulk import's rows, without reading anything first. Its `shared` steps are
computed from the rows each transaction commits and written in that transaction (a count of the rows
committed, as an atomic ADD), so an aggregate changes exactly with the rows it counts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import field
from typing import Any, TypeVar

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.core.db.base import utcnow
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import ApiError, Conflict, ValidationFailed
from chalicelib.core.records import Record

# pynamodb sends a transaction's items in this order, whatever order they were added in.
_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}
MAX_ITEMS = 100  # DynamoDB's limit of items in one TransactWriteItems
RETRIED = frozenset({"TransactionConflict"})  # another transaction held an item: the row may pass next time
ROUNDS = 4  # rounds of packed transactions before the rows still in conflict go one by one
K = TypeVar("K", bound=Hashable)


class Step(Record):
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


def claim(guards: type[Model], guard: Guard, owner: str, *, fresh: bool = False) -> Step:
    """Claim a unique value: free, or already `owner`'s (a retried import row) is no clash.

    `fresh`: nothing was ever written for `owner` (a bulk import's first attempt at ids it just reserved),
    so no guard can be its own yet and the condition is `free` alone: the same outcome, and the cheaper
    condition is ~10% of an emulated bulk import (moto parses and evaluates every item's condition)."""
    message = guard.message or f"This {guard.field} is already taken."
    free = guards.key.does_not_exist()
    return put(guards(guard.key, owner=owner), condition=free if fresh else free | (guards.owner == owner),
               error=ValidationFailed({guard.field: [message]}))


def release(guards: type[Model], guard: Guard) -> Step:
    return delete(guards(guard.key))


def swap(guards: type[Model], old: Guard, new: Guard, owner: str) -> list[Step]:
    """The steps moving `owner` from value `old` to `new`: none when both normalise to one key."""
    if old.key == new.key:
        return []
    return [claim(guards, new, owner), release(guards, old)]


def _ordered(steps: list[Step]) -> list[Step]:
    return sorted(steps, key=lambda step: _ORDER[step.kind])


def _commit(connection_model: type[Model], ordered: list[Step]) -> None:
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


def run(connection_model: type[Model], steps: list[Step]) -> None:
    """Commit `steps` atomically; a failed condition raises the step's error (field errors merged)."""
    ordered = _ordered(steps)
    try:
        _commit(connection_model, ordered)
    except TransactWriteError as exc:
        raise _error_for(exc, ordered) from exc


Shared = Callable[[list[K]], list[Step]]


def run_rows(connection_model: type[Model], rows: Sequence[tuple[K, list[Step]]], *,
             shared: Shared[K] | None = None, shared_items: int = 0) -> dict[K, ApiError]:
    """Commit each row's steps atomically, packing rows into transactions of up to MAX_ITEMS items.

    Rows must not touch the same item (DynamoDB refuses two operations on one item in a transaction).
    A cancelled transaction names the items whose condition failed (its cancellation reasons): those
    rows are refused with their steps' errors, and the others are committed again without them; rows
    caught in another transaction's conflict are retried. Answers the refused rows' errors. A failure
    that is no refusal (throttling, a service error) propagates: nothing tells which rows were written.

    `shared(keys)` answers steps written in the same transaction as the rows `keys` (each commit's,
    recomputed when refused rows are dropped): unconditional updates of items no row touches, at most
    `shared_items` of them, e.g. a count of the rows committed.
    """
    errors: dict[K, ApiError] = {}
    pending = list(rows)
    limit = MAX_ITEMS - shared_items
    for _ in range(ROUNDS):
        retry: list[tuple[K, list[Step]]] = []
        for group in _packed(pending, limit):
            retry.extend(_commit_group(connection_model, group, errors, shared))
        if not retry:
            return errors
        pending = retry
    for key, steps in pending:  # still in conflict: one by one, so a busy row cannot hold the others back
        try:
            run(connection_model, [*steps, *(shared([key]) if shared else [])])
        except ApiError as error:
            errors[key] = error
    return errors


def _packed(rows: list[tuple[K, list[Step]]], limit: int = MAX_ITEMS) -> list[list[tuple[K, list[Step]]]]:
    groups: list[list[tuple[K, list[Step]]]] = [[]]
    size = 0
    for row in rows:
        if len(row[1]) > limit:
            raise ValueError(f"a row of {len(row[1])} steps exceeds a transaction's {limit} items")
        if size + len(row[1]) > limit:
            groups.append([])
            size = 0
        groups[-1].append(row)
        size += len(row[1])
    return [group for group in groups if group]


def _commit_group(connection_model: type[Model], group: list[tuple[K, list[Step]]],
                  errors: dict[K, ApiError], shared: Shared[K] | None = None) -> list[tuple[K, list[Step]]]:
    """One transaction for `group` (and its shared steps, tagged -1: no row's); answers the rows to try
    again (refused rows go to `errors`)."""
    extra = [(step, -1) for step in shared([key for key, _ in group])] if shared else []
    tagged = sorted([*((step, index) for index, (_, steps) in enumerate(group) for step in steps), *extra],
                    key=lambda pair: _ORDER[pair[0].kind])
    try:
        _commit(connection_model, [step for step, _ in tagged])
        return []
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons
        if not reasons:
            raise
        refused: set[int] = set()
        for (_, index), reason in zip(tagged, reasons, strict=False):
            if reason is None or reason.code in ("None", ""):
                continue
            if reason.code == "ConditionalCheckFailed" and index >= 0:
                refused.add(index)
            elif reason.code not in RETRIED:
                raise
        for index in sorted(refused):
            key, steps = group[index]
            ordered = _ordered(steps)
            errors[key] = _error_for(exc, ordered, [reason for (_, owner), reason in zip(tagged, reasons, strict=False)
                                                   if owner == index])
        return [row for index, row in enumerate(group) if index not in refused]


def _error_for(exc: TransactWriteError, ordered: list[Step], reasons: list[Any] | None = None) -> ApiError:
    """The error a refused transaction means: its failed steps' field errors merged, else the first
    other error, else a 409. `reasons` (default: the exception's) pair with `ordered` one to one."""
    if reasons is None:
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
