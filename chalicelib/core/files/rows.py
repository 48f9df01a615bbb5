"""File columns to the row schema's fields, and one row to a validated model or a RowError."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.core.errors import ValidationFailed, pydantic_field_errors
from chalicelib.core.fields import TEXT_CONTEXT
from chalicelib.core.files.reader import Cells
from chalicelib.core.files.spec import ImportSpec, RowError
from chalicelib.core.lazyschemas import resolve_schema

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise(name: str) -> str:
    """`Customer Code`, `customer_code` and `customer-code` all read `customercode`."""
    return _SEPARATORS.sub("", name.strip().lower())


def _input_key(name: str, info: Any) -> str:
    """The key the model validates from: its alias when it has one."""
    alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
    return alias or name


class RowMapper:
    """Built from the header row; 400 when a required column is missing."""

    def __init__(self, spec: ImportSpec, header: Cells) -> None:
        self.model = resolve_schema(spec.row_model)
        by_name: dict[str, str] = {}
        for name, info in self.model.model_fields.items():
            key = _input_key(name, info)
            for candidate in (name, key, *spec.headers.get(name, ())):
                by_name.setdefault(normalise(candidate), key)
        self.columns: list[tuple[int, str]] = []
        mapped: set[str] = set()
        for index, title in enumerate(header):
            key = by_name.get(normalise(title)) if title else None
            if key is not None and key not in mapped:  # a repeated column: the first one counts
                self.columns.append((index, key))
                mapped.add(key)
        self.defaults = {_input_key(name, self.model.model_fields[name]) if name in self.model.model_fields
                         else name: value for name, value in spec.defaults.items()}
        missing = [name for name, info in self.model.model_fields.items()
                   if info.is_required() and _input_key(name, info) not in mapped
                   and _input_key(name, info) not in self.defaults]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise ValidationFailed({"file": [f"Missing required column{plural}: {', '.join(missing)}."]})

    def values(self, cells: Cells) -> dict[str, Any]:
        """The row's non-empty cells by field, defaults filling the gaps (empty cells are absent)."""
        data: dict[str, Any] = {}
        for index, key in self.columns:
            if index < len(cells) and cells[index] is not None:
                data[key] = cells[index]
        for key, value in self.defaults.items():
            data.setdefault(key, value)
        return data

    def validate(self, row: int, cells: Cells) -> BaseModel | RowError | None:
        """The validated row, its errors, or None for a blank row (skipped, not an error)."""
        if not any(cells):
            return None
        try:
            return self.model.model_validate(self.values(cells), context={TEXT_CONTEXT: True})  # cells are text
        except ValidationError as exc:
            return RowError(row, pydantic_field_errors(exc))
