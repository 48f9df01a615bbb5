"""Form and multipart values read as the request model's JSON types.

A form carries text only: `is_active=false`, `role=3`, `permissions=a&permissions=b`. DRF reads such
a body by each field's type, and the frontends of these products send forms, so the same body must
mean the same thing as JSON or a form:

- a yes/no field takes `true` or `false` (any case); an integer field ASCII digits (an optional minus);
  a float field a decimal number in ASCII; a Decimal field reads its own text already;
- a list takes repeated keys (one key is a list of one), each item read by the item's type;
- an object, or a list of objects, takes one part holding its JSON text (a multipart part of type
  `application/json`); a form-urlencoded body cannot carry one (`takes_form`), so such routes refuse it;
- an optional non-text field left empty (`""`, as a browser sends an empty input) is null.

Anything else is left as sent, so the model refuses it with its usual field error (never a 500). The body
is then validated as JSON is (core/api.py): what a JSON part holds is as strict as a JSON body.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

_INTEGER = re.compile(r"-?[0-9]{1,20}")
_NUMBER = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
_FLAGS = {"true": True, "false": False}
_LISTS = (list, tuple, set, frozenset)

Reader = Callable[[str], Any]


def _flag(text: str) -> Any:
    return _FLAGS.get(text.strip().lower(), text)


def _integer(text: str) -> Any:
    return int(text.strip()) if _INTEGER.fullmatch(text.strip()) else text


def _number(text: str) -> Any:
    return float(text.strip()) if _NUMBER.fullmatch(text.strip()) else text


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The one type an annotation names, and whether None is also allowed."""
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            arms = [arm for arm in get_args(annotation) if arm is not type(None)]
            nullable = nullable or len(arms) < len(get_args(annotation))
            if len(arms) != 1:
                return None, nullable
            annotation = arms[0]
        else:
            return annotation, nullable


def _scalar_reader(annotation: Any) -> Reader | None:
    if annotation is bool:
        return _flag
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = {type(member.value) for member in annotation}
        return _integer if values == {int} else None
    if annotation is int:
        return _integer
    if annotation is float:
        return _number
    if get_origin(annotation) is Literal:
        values = {type(value) for value in get_args(annotation)}
        return _integer if values == {int} else _flag if values == {bool} else None
    return None


def _is_structured(annotation: Any) -> bool:
    return annotation is dict or get_origin(annotation) is dict or (
        isinstance(annotation, type) and issubclass(annotation, BaseModel))


class FieldReader:
    """How one field's text is read: `scalar` per value, `many` for a list, `structured` from JSON."""

    __slots__ = ("many", "nullable", "scalar", "structured", "text")

    def __init__(self, annotation: Any) -> None:
        kind, self.nullable = _unwrap(annotation)
        self.many = get_origin(kind) in _LISTS or kind in _LISTS
        if self.many:
            item = get_args(kind)[0] if get_args(kind) else Any
            kind, _ = _unwrap(item)
        self.structured = _is_structured(kind)
        self.scalar = None if self.structured else _scalar_reader(kind)
        self.text = not (self.many or self.structured) and self.scalar is None

    def read(self, value: Any) -> Any:
        if self.nullable and not self.text and value == "":
            return None
        if self.structured:
            return _json(value) if isinstance(value, str) else value
        if self.many:
            items = [value] if isinstance(value, str) else value
            return [self._one(item) for item in items] if isinstance(items, list) else items
        return self._one(value)

    def _one(self, value: Any) -> Any:
        return self.scalar(value) if self.scalar is not None and isinstance(value, str) else value


@cache
def _readers(model: type[BaseModel]) -> dict[str, FieldReader]:
    """Wire name -> reader, for the fields that are not plain text (the rest pass as sent)."""
    readers: dict[str, FieldReader] = {}
    for name, info in model.model_fields.items():
        reader = FieldReader(info.rebuild_annotation())
        if reader.text:
            continue
        for key in {name, info.alias or name, info.validation_alias if isinstance(info.validation_alias, str)
                    else name}:
            readers[key] = reader
    return readers


def typed(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` (a form's text) with each value read by its field's type in `model`."""
    readers = _readers(model)
    if not readers:
        return fields
    return {key: readers[key].read(value) if key in readers else value for key, value in fields.items()}


def takes_form(model: type[BaseModel]) -> bool:
    """Whether a form-urlencoded body can carry every field (no object or list of objects)."""
    return not any(reader.structured for reader in _readers(model).values())

