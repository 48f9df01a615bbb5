"""Comparing an answer with a spec's example by shape: the same field names at the same nesting, the
same JSON kinds (string, number, boolean, object, array), the same envelope (an array or an object).

Values are not compared (ids, dates and names differ by nature). A null in the example says nothing
about the kind (the spec shows `"manager": null`); a null in our answer is accepted for any field the
example shows (an optional value that is absent here). Fields we answer beyond the example are allowed
(a frontend ignores them) and listed by `extra_fields` for the audit report.
"""

from __future__ import annotations

from typing import Any


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def differences(example: Any, answer: Any, where: str = "$") -> list[str]:
    """Where `answer` departs from the shape of `example`: a missing field, another kind, an empty array
    where the example shows items (the test's data must produce one to compare)."""
    if example is None or answer is None:
        return []
    if kind(example) != kind(answer):
        return [f"{where}: the spec shows {kind(example)}, we answer {kind(answer)}"]
    if isinstance(example, dict):
        found = []
        for name, value in example.items():
            if name not in answer:
                found.append(f"{where}.{name}: missing (we answer {sorted(answer)})")
            else:
                found += differences(value, answer[name], f"{where}.{name}")
        return found
    if isinstance(example, list) and example:
        if not answer:
            return [f"{where}: the spec shows items, we answer an empty array"]
        return differences(example[0], answer[0], f"{where}[0]")
    return []


def extra_fields(example: Any, answer: Any, where: str = "$") -> list[str]:
    """The fields of `answer` that `example` does not show, at every nesting."""
    if isinstance(example, dict) and isinstance(answer, dict):
        found = [f"{where}.{name}" for name in answer if name not in example]
        for name, value in example.items():
            if name in answer:
                found += extra_fields(value, answer[name], f"{where}.{name}")
        return found
    if isinstance(example, list) and isinstance(answer, list) and example and answer:
        return extra_fields(example[0], answer[0], f"{where}[0]")
    return []


def assert_shaped_like(example: Any, answer: Any, what: str) -> None:
    found = differences(example, answer)
    assert not found, f"{what} departs from the spec's example: {found}"
