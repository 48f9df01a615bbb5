"""The import job: a core job (core/jobs, kind "import") with its file and the checkpoint that makes
retries safe.

`next_row` is the first row not yet committed; `block_*` is the id block reserved for the chunk of rows
`block_row..block_end`, recorded before that chunk is written so a retry cuts the same chunk and
reuses the same ids. `created_rows` and `error_rows` grow atomically at each checkpoint, and so do
`tallies`, the named counts a writer answers in a `WriteResult` (e.g. created, updated); the job's
`total` and `processed` are its data rows, and its `result` (once complete) the counts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.core.jobs.model import (  # noqa: F401 - the statuses, re-exported for the engine
    COMPLETE,
    FAILED,
    FINISHED,
    MAX_ERRORS,
    PENDING,
    PROCESSING,
    Job,
    job_model,
)

KIND = "import"


class ImportFields:
    """What an import job holds beyond every job's attributes (mixed into the product's job model)."""

    spec = UnicodeAttribute()
    source = UnicodeAttribute(default="bucket")  # "api" (synchronous upload) or "bucket"
    filename = UnicodeAttribute()
    bucket = UnicodeAttribute()
    key = UnicodeAttribute()
    etag = UnicodeAttribute(null=True)  # the object version this job processes
    created_rows = NumberAttribute(default=0)
    error_rows = NumberAttribute(default=0)
    tallies = JSONAttribute(null=True)  # {name: count} from WriteResult writers, None for list writers
    next_row = NumberAttribute(default=2)
    block_row = NumberAttribute(null=True)
    block_first = NumberAttribute(null=True)
    block_count = NumberAttribute(null=True)
    block_end = NumberAttribute(null=True)  # last row of that chunk, so a retry cuts it the same way


class ImportJob(ImportFields, Job):
    """Abstract (for type hints): `import_job_model(product)` is the concrete one."""

    @property
    def total_rows(self) -> int | None:
        return None if self.total is None else int(self.total)

    @property
    def processed_rows(self) -> int:
        return int(self.processed or 0)

    def row_errors(self) -> list[dict[str, Any]]:
        return list(self.errors or [])

    def named_counts(self) -> dict[str, int]:
        """What the writer counted so far by name (empty for a writer answering plain error lists)."""
        return {name: int(value) for name, value in (self.tallies or {}).items()}

    def counts(self) -> dict[str, Any]:
        """The job's `result` once it is complete: rows created and rows refused (and the named counts,
        when the writer gives them)."""
        result: dict[str, Any] = {"created_rows": int(self.created_rows or 0), "error_rows": int(self.error_rows or 0)}
        if self.tallies is not None:
            result["counts"] = self.named_counts()
        return result

    def as_dict(self) -> dict[str, Any]:
        """What the import status endpoint shows."""
        return {
            "job_id": self.job_id, "import_type": self.spec, "status": self.status, "filename": self.filename,
            "key": self.key, "total_rows": self.total_rows, "processed_rows": self.processed_rows,
            "created_rows": int(self.created_rows or 0), "error_rows": int(self.error_rows or 0),
            "counts": self.named_counts() if self.tallies is not None else None,
            "progress": self.progress, "errors": self.row_errors(), "message": self.message,
            "created": self.created, "updated": self.updated, "finished": self.finished,
        }


@cache
def import_job_model(product: str) -> type[ImportJob]:
    """Import jobs of `product`: items of its `jobs` table (core/jobs/model.py) of kind "import"."""

    class ProductImportJob(ImportJob, job_model(product)):  # type: ignore[misc, valid-type]
        pass

    ProductImportJob.__name__ = f"{product.title()}ImportJob"
    return ProductImportJob
