"""Make moto's TransactWriteItems cost what DynamoDB's does: proportional to the items it touches;
and make its conditional writes atomic under concurrent requests, as DynamoDB's are.

moto 5.2 backs up every table a transaction touches with `copy.deepcopy(table)` so it can roll back,
which makes each transaction O(table size): a 10k-row import, or any create on a big table in the
embedded stack, slows down quadratically. The backup only needs the items the transaction writes,
so this shim hands moto a backup holding copies of the touched items alone, restored in place if moto
rolls back.
moto also asks for that backup once per item of the transaction (the same table again and again): the
first snapshot of a table is handed back for the rest, since nothing is written before the last copy.
And it evaluates each item's condition twice (once itself, then again inside the write it calls);
the write inside a transaction skips the second, already decided under the same lock.
Lexing a condition expression costs moto six regular-expression matches per token, for every item of
every request (twice for a transaction's: the request is validated, then applied), though the tokens
depend on the expression's text alone: `_lex_once` keeps them per text. A bulk import of guarded rows
spent ~15% of its time there, a batch write of the same records none. The request check before a write
parses each condition once more only to learn which names and values it uses, which depends on the
expression and the names and values it declares, not on the values' contents: `_check_once` keeps that.
Emulation only (tests, `make run`, bench); nothing in Lambda imports it.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_state = threading.local()
_installed = False


def _touched_keys(transact_items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    touched: dict[str, list[dict[str, Any]]] = {}
    for item in transact_items:
        _, op = next(iter(item.items()))
        name = op.get("TableName")
        if name:
            touched.setdefault(name, []).append(op.get("Key") or op.get("Item") or {})
    return touched


_MISSING = object()


def _snapshot(table: Any, keys: list[dict[str, Any]]) -> Any:
    """What moto takes for its backup of `table`: the table itself (sharing its items) carrying the
    touched items as they were, so a rollback (`_roll_back`) restores those and nothing is copied
    per item of the table. (A copy of the items dict was O(table size) per transaction: a 10k-row
    import got slower with every row the table held.)"""
    from moto.dynamodb.models.dynamo_type import DynamoType

    snap = copy.copy(table)
    saved: list[tuple[Any, Any, Any, bool]] = []
    for key in keys:
        hash_key = DynamoType(key[table.hash_key_attr])
        if table.range_key_attr is None:
            range_key, inner = None, None
            previous = table.items.get(hash_key, _MISSING)
        else:
            range_key = DynamoType(key[table.range_key_attr])
            inner = table.items.get(hash_key)
            previous = _MISSING if inner is None else inner.get(range_key, _MISSING)
        kept = previous if previous is _MISSING else copy.deepcopy(previous)
        saved.append((hash_key, range_key, kept, inner is not None))
    snap.crm_undo = (table, saved)
    return snap


def _roll_back(backend: Any, snapshots: dict[str, Any]) -> None:
    """Where moto installed a backup (it rolled back), restore the touched items in the live table and
    put the live table back."""
    for name, snap in snapshots.items():
        if backend.tables.get(name) is not snap:
            continue
        live, saved = snap.crm_undo
        for hash_key, range_key, previous, had_hash in reversed(saved):  # the first saved state wins
            if range_key is None:
                if previous is _MISSING:
                    live.items.pop(hash_key, None)
                else:
                    live.items[hash_key] = previous
                continue
            inner = live.items.get(hash_key)
            if previous is not _MISSING:
                live.items[hash_key][range_key] = previous
            elif inner is not None:
                inner.pop(range_key, None)
                if not inner and not had_hash:
                    live.items.pop(hash_key, None)
        backend.tables[name] = live


class _CopyShim:
    """Stands in for the `copy` module inside moto.dynamodb.models during a transaction."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        keys = getattr(_state, "touched", None)
        name = getattr(value, "name", None)
        if keys is not None and name in keys and hasattr(value, "items") and hasattr(value, "hash_key_attr"):
            snapshots = _state.snapshots
            if name in snapshots:
                return snapshots[name]
            try:
                snapshots[name] = _snapshot(value, keys[name])
                return snapshots[name]
            except (KeyError, TypeError, AttributeError):
                pass
        return copy.deepcopy(value, memo)


def install() -> None:
    """Idempotent; safe with in-process `mock_aws` and with the moto server."""
    global _installed
    if _installed:
        return
    import moto.dynamodb.models as models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        _state.touched, _state.snapshots = _touched_keys(transact_items), {}
        try:
            return original(self, transact_items)
        finally:
            _roll_back(self, _state.snapshots)
            _state.touched, _state.snapshots = None, {}

    models.copy = _CopyShim()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items
    _serialise(models.DynamoDBBackend)
    _lex_once()
    _check_once()
    _installed = True


_LEXED_MAX = 4096  # distinct expression texts kept (an application has a few dozen)


def _lex_once() -> None:
    """moto's condition lexer, memoised on the expression text: the same tokens, as fresh nodes each
    time (later parsing stages build on them), and an expression it cannot lex still raises."""
    from collections import deque

    from moto.dynamodb.comparisons import ConditionExpressionParser

    original = ConditionExpressionParser._lex_condition_expression
    lexed: dict[str, tuple[tuple[Any, ...], ...]] = {}

    def lex(self: Any) -> Any:
        text = self.condition_expression
        tokens = lexed.get(text)
        if tokens is None:
            tokens = tuple((node.nonterminal, node.kind, node.text, node.value) for node in original(self))
            if len(lexed) < _LEXED_MAX:
                lexed[text] = tokens
        return deque(self.Node(nonterminal=nonterminal, kind=kind, text=token, value=value, children=[])
                     for nonterminal, kind, token, value in tokens)

    ConditionExpressionParser._lex_condition_expression = lex  # type: ignore[method-assign]


_lock = threading.RLock()
_WRITES = frozenset({"put_item", "update_item", "delete_item"})


def _serialise(backend: Any) -> None:
    """moto checks a write's condition and applies it in separate Python steps, so two threads (the
    threaded moto server, or parallel test requests) can both pass `failures < 5`. DynamoDB applies
    each conditional write atomically: one lock over item reads and writes restores that, and an update
    answers the item as that update left it."""
    import functools

    for name in ("get_item", "put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(backend, name)

        def locked(self: Any, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            with _lock:
                if _name in _WRITES and getattr(_state, "touched", None) is not None:
                    kwargs["condition_expression"] = None  # the transaction checked it just before
                result = _original(self, *args, **kwargs)
                # moto answers an update from the live item after the lock is gone: another thread's
                # ADD could show through (two callers reading one counter value). Answer a copy.
                return copy.deepcopy(result) if _name == "update_item" else result

        setattr(backend, name, functools.wraps(original)(locked))


def _check_once() -> None:
    """moto's request-level condition check (responses.py: it parses, then compares the names and values
    found with those declared), memoised on the expression, its names and its values' placeholders. The
    parse still happens in `parse()`, where moto expects its errors; a condition that does not parse
    raises every time (nothing is kept for it)."""
    import moto.dynamodb.responses as responses

    parser_for = responses.create_condition_expression_parser
    checked: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    class CheckedParser:
        def __init__(self, expression: Any, names: Any, values: Any) -> None:
            self.arguments = (expression, names, values)
            self.key = (expression, tuple(sorted((names or {}).items())), tuple(sorted(values or {})))
            self.expr_attr_names_found: list[str] = []
            self.expr_attr_values_found: list[str] = []

        def parse(self) -> None:  # moto's callers of this check never use the parse tree
            found = checked.get(self.key)
            if found is None:
                parser = parser_for(*self.arguments)
                parser.parse()
                found = (tuple(parser.expr_attr_names_found), tuple(parser.expr_attr_values_found))
                if len(checked) < _LEXED_MAX:
                    checked[self.key] = found
            self.expr_attr_names_found, self.expr_attr_values_found = list(found[0]), list(found[1])

    responses.create_condition_expression_parser = CheckedParser
