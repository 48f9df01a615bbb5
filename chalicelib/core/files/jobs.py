"""The import job record: status, progress, row errors, and the checkpoint that makes retries safe.

`next_row` is the first row not yet committed; `block_*` is the id block reserved for the chunk of rows
`block_row..block_end`, recorded before that chunk is written so a retry cuts the same chunk and
reuses the same ids.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.base import meta, utcnow

PENDING, PROCESSING, COMPLETE, FAILED = "pending", "processing", "complete", "failed"
FINISHED = frozenset({COMPLETE, FAILED})
MAX_ERRORS = 500  # row errors kept on the job (the item must stay far below DynamoDB's 400 KB)


class ImportJob(Model):
    """Abstract: `import_job_model(product)` binds it to the product's `imports` table."""

    job_id = UnicodeAttribute(hash_key=True)
    spec = UnicodeAttribute()
    status = UnicodeAttribute(default=PENDING)
    source = UnicodeAttribute(default="bucket")  # "api" (synchronous upload) or "bucket"
    filename = UnicodeAttribute()
    bucket = UnicodeAttribute()
    key = UnicodeAttribute()
    etag = UnicodeAttribute(null=True)  # the object version this job processes
    owner = UnicodeAttribute(null=True)  # the principal's subject; None for a direct bucket put
    owner_name = UnicodeAttribute(null=True)
    owner_roles = ListAttribute(of=UnicodeAttribute, null=True)
    total_rows = NumberAttribute(null=True)
    processed_rows = NumberAttribute(default=0)
    created_rows = NumberAttribute(default=0)
    error_rows = NumberAttribute(default=0)
    errors = JSONAttribute(null=True)  # [{"row": n, "errors": {...}}], at most MAX_ERRORS
    message = UnicodeAttribute(null=True)  # why a job failed
    next_row = NumberAttribute(default=2)
    block_row = NumberAttribute(null=True)
    block_first = NumberAttribute(null=True)
    block_count = NumberAttribute(null=True)
    block_end = NumberAttribute(null=True)  # last row of that chunk, so a retry cuts it the same way
    created = UTCDateTimeAttribute(default=utcnow)
    updated = UTCDateTimeAttribute(default=utcnow)
    finished = UTCDateTimeAttribute(null=True)

    @property
    def principal(self) -> Principal | None:
        """Who started the import, for writers that stamp `created_by`."""
        if not self.owner:
            return None
        return Principal(subject=self.owner, username=self.owner_name or "",
                         roles=frozenset(self.owner_roles or ()))

    def row_errors(self) -> list[dict[str, Any]]:
        return list(self.errors or [])

    def as_dict(self) -> dict[str, Any]:
        """What the status endpoint shows."""
        total = self.total_rows
        progress = 100 if self.status == COMPLETE else (
            min(99, int(100 * (self.processed_rows or 0) / total)) if total else 0)
        return {
            "job_id": self.job_id, "import_type": self.spec, "status": self.status, "filename": self.filename,
            "key": self.key, "total_rows": total, "processed_rows": int(self.processed_rows or 0),
            "created_rows": int(self.created_rows or 0), "error_rows": int(self.error_rows or 0),
            "progress": progress, "errors": self.row_errors(), "message": self.message,
            "created": self.created, "updated": self.updated, "finished": self.finished,
        }


@cache
def import_job_model(product: str) -> type[ImportJob]:
    """The `imports` table of `product` (one item per job; by-owner index for an import history)."""

    class ByOwner(GlobalSecondaryIndex):
        class Meta:
            index_name = "owner-created-index"
            projection = AllProjection()

        owner = UnicodeAttribute(hash_key=True)
        created = UTCDateTimeAttribute(range_key=True)

    class ProductImportJob(ImportJob):
        Meta = meta("imports", product)
        by_owner = ByOwner()

    ProductImportJob.__name__ = f"{product.title()}ImportJob"
    return ProductImportJob
