"""What a product declares to get a bulk import: the row schema, header aliases and a batch writer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import field
from typing import Any

from pydantic import BaseModel

from chalicelib.core.auth.principal import Principal
from chalicelib.core.lazyschemas import LazySchema, resolve_schema
from chalicelib.core.records import Record

_ROW_NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-4a8e-9c57-2f0d1e6b7a90")


class RowError(Record, frozen=True):
    """Why one row was not imported; `row` is the file's 1-based row number (header = 1)."""

    row: int
    errors: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "errors": self.errors}


class ImportBatch(Record, frozen=True):
    """Up to 100 validated rows and one reserved id per row.

    The ids are the same every time the same object is processed (redelivery, crash retry), so a
    writer that keys its records on them never duplicates. The ids are fresh from the counter unless
    `resumed`: an earlier attempt stopped in this chunk and may have written some of these rows, so a
    writer that does not read before writing (it need not otherwise) checks which exist.
    Several batches of one file may be written at once, from different threads.
    """

    rows: list[tuple[int, BaseModel]]
    ids: list[int]
    principal: Principal | None
    job_id: str
    resumed: bool = False

    def items(self) -> list[tuple[int, int | None, BaseModel]]:
        """`(row number, id, validated row)`; id is None when the spec reserves no ids."""
        ids: list[int | None] = list(self.ids) or [None] * len(self.rows)
        return [(row, ids[index], model) for index, (row, model) in enumerate(self.rows)]

    def uuid_for(self, row: int) -> str:
        """A stable UUID for one row of this job, for products whose ids are UUIDs."""
        return str(uuid.uuid5(_ROW_NAMESPACE, f"{self.job_id}:{row}"))


class WriteResult(Record, frozen=True):
    """What a writer did with one batch: the rows it refused, and named counts of what the others did
    (e.g. `{"created": 3, "updated": 2, "customers_created": 1}`).

    The engine adds a chunk's counts to its job at the chunk's checkpoint, in the same conditional
    update that moves `next_row`, so a chunk written again after a crash is counted once. A writer
    must therefore answer the same counts for a batch written again: a row whose record an earlier
    attempt created (the row's reserved id, or a mark the writer left on it) still counts as created.
    `created` also feeds the job's `created_rows`. A writer answering a plain list of errors instead
    counts every row it did not refuse as created (and the job keeps no named counts).
    """

    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


BatchWriter = Callable[[ImportBatch], "list[RowError] | WriteResult"]


class ImportSpec(Record, frozen=True):
    """One kind of import (e.g. "customers").

    `headers` maps a field to extra accepted column names (matching ignores case, spaces,
    underscores and hyphens). `defaults` fill absent cells before validation. `write` batch-writes
    the valid rows and returns errors for rows it refuses (a list, or a `WriteResult` with named
    counts); it must be idempotent for the same ids.
    `id_sequence` names the counters-table sequence ids are reserved from (None: no integer ids).
    `roles` limits who may start this import (None: whoever may reach the route); `permission` names
    the right a product with data-driven roles checks instead (the engine's `permissions` answers it).
    """

    name: str
    row_model: type[BaseModel] | LazySchema  # a LazySchema is loaded when a file is first read
    write: BatchWriter
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    id_sequence: str | None = None
    roles: frozenset[str] | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    permission: str | None = None


def import_columns(spec: ImportSpec) -> tuple[str, ...]:
    """The column names an import reads first for each field of its row schema: the field's alias
    (a camelCase product's wire name) or its name, in the schema's order."""
    columns = []
    for name, info in resolve_schema(spec.row_model).model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        columns.append(alias or name)
    return tuple(columns)


RowValues = Callable[[Any], dict[str, Any]]


class ExportSpec(Record, frozen=True):
    """One kind of export: its columns and how a record becomes one row.

    `row(record)` answers the values by field name (a missing field is an empty cell). Built with
    `mirror`, the columns are the import's own (see `import_columns`), so an exported file imports
    again as it is: the writer's protective quotes are dropped by the reader, numbers stay numbers.
    `extra` columns (e.g. `id`) come first; the import ignores columns it does not know.
    `filename` is the download's base name (the extension follows the format).
    """

    name: str
    columns: tuple[str, ...]
    row: RowValues
    filename: str = ""
    fields: tuple[str, ...] = ()  # the field each column reads from `row(record)`; default: the column

    @classmethod
    def mirror(cls, spec: ImportSpec, row: RowValues, *, extra: tuple[str, ...] = (),
               name: str | None = None, filename: str | None = None) -> ExportSpec:
        """The export of what `spec` imports: the same columns, in the same order."""
        columns = import_columns(spec)
        return cls(name=name or spec.name, columns=(*extra, *columns), row=row, filename=filename or spec.name,
                   fields=(*extra, *resolve_schema(spec.row_model).model_fields))

    def cells(self, record: Any) -> list[Any]:
        """One record as the row's cells, in column order."""
        values = self.row(record)
        return [values.get(field_name) for field_name in (self.fields or self.columns)]
