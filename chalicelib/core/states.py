"""State machines: a declared transition table, and moves that cannot lose history.

A product declares, per action name, which states it may start from and the state it leads to:

    LOAN = StateMachine("loan", {"approve": {"pending": "approved"},
                                 "close": {"approved": "closed", "defaulted": "closed"}})

`move(record, "approve", actor)` writes, in one DynamoDB transaction, the record's new status (on
condition that the stored status is still the one read and the stored version is the one read; the
version is bumped) and a history item keyed by the record and its new version (on condition that the
key is new). Two racing moves from the same state: exactly one commits, the other's whole
transaction, history included, is cancelled and answered 409. A move the table does not allow from
the current state is 409 too (the request was valid; the record's state forbids it); an action the
table does not know is 400. `steps` join more items to that transaction (a record the move
creates), so the move and what it makes are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.core.db import txn
from chalicelib.core.db.base import meta, utcnow
from chalicelib.core.errors import Conflict, ValidationFailed

STALE = "The record was changed by someone else; reload and retry."


@cache
def history_model(product: str) -> type[Model]:
    """A product's state history: one partition per record (`loan#12`), one item per move, keyed by
    the version the move produced (so a record's history reads in order with one Query)."""

    class StateHistory(Model):
        Meta = meta("state-history", product)
        subject = UnicodeAttribute(hash_key=True)
        version = NumberAttribute(range_key=True)
        action = UnicodeAttribute()
        from_state = UnicodeAttribute()
        to_state = UnicodeAttribute()
        actor = UnicodeAttribute()
        note = UnicodeAttribute(null=True)
        at = UTCDateTimeAttribute(default=utcnow)

    StateHistory.__name__ = f"{product.title()}StateHistory"
    return StateHistory


class StateMachine:
    """One entity's transition table: `{action: {from_state: to_state}}` on the attribute `field`."""

    def __init__(self, entity: str, transitions: Mapping[str, Mapping[str, str]], *, field: str = "status") -> None:
        if not transitions or any(not sources for sources in transitions.values()):
            raise ValueError(f"{entity}: every action needs at least one state it starts from")
        self.entity = entity
        self.field = field
        self.transitions = {action: dict(sources) for action, sources in transitions.items()}
        self.states = frozenset(s for sources in self.transitions.values() for pair in sources.items() for s in pair)

    def actions_from(self, state: str) -> dict[str, str]:
        """The actions allowed in `state`, with the state each leads to (what a client may offer)."""
        return {action: sources[state] for action, sources in self.transitions.items() if state in sources}

    def target(self, action: str, current: str) -> str:
        """The state `action` leads to from `current`: 400 for an unknown action, 409 if not allowed now."""
        sources = self.transitions.get(action)
        if sources is None:
            raise ValidationFailed({"action": [f"Unknown action; one of: {', '.join(sorted(self.transitions))}."]})
        if current not in sources:
            raise Conflict(f"Cannot {action} a {self.entity} that is {current}.")
        return sources[current]

    def subject(self, record: Model) -> str:
        hash_key, range_key = record._get_hash_range_key_serialized_values()  # type: ignore[attr-defined]
        key = next(iter(hash_key.values())) if isinstance(hash_key, dict) else hash_key
        if range_key is not None:
            key = f"{key}#{next(iter(range_key.values())) if isinstance(range_key, dict) else range_key}"
        return f"{self.entity}#{key}"

    def move(self, record: Model, action: str, actor: str, *, history: type[Model], note: str | None = None,
             also: list[Any] | None = None, steps: Sequence[txn.Step] = ()) -> Model:
        """Move `record` (a versioned model as read) by `action`; `also` are more update actions on the
        record in the same write (e.g. who approved it), `steps` more items of the same transaction (a
        record the move creates: all or nothing; a failed step condition raises that step's error).
        Returns the history item written."""
        current = str(getattr(record, self.field))
        target = self.target(action, current)
        version_name = record._version_attribute_name  # type: ignore[attr-defined]
        if version_name is None:
            raise TypeError(f"{type(record).__name__} has no version attribute: a move needs one")
        attribute = type(record).get_attributes()[self.field]
        new_version = (getattr(record, version_name) or 0) + 1
        now = utcnow()
        entry = history(self.subject(record), new_version, action=action, from_state=current, to_state=target,
                        actor=actor, note=note, at=now)
        actions = [attribute.set(target), *(also or [])]
        if "updated_at" in type(record).get_attributes():
            actions.append(type(record).get_attributes()["updated_at"].set(now))
        stale = Conflict(STALE)
        txn.run(type(record), [
            txn.update(record, actions, condition=attribute == current, error=stale),  # + version == read, +1
            txn.put(entry, condition=history.version.does_not_exist(), error=stale),  # type: ignore[attr-defined]
            *steps])
        setattr(record, self.field, target)
        if hasattr(record, "updated_at"):
            record.updated_at = now
        return entry

    def history(self, record: Model, history: type[Model]) -> list[Model]:
        """The record's moves, oldest first (one Query)."""
        return list(history.query(self.subject(record)))

