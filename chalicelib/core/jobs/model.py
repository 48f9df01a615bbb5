"""The job record: what ran, for whom, how far it got and how it ended.

One `jobs` table per product (`job_model(product)`), one item per job. Every kind shares these
attributes; a kind that needs more (an import's file and checkpoint: core/files/jobs.py) subclasses
the product's model and keeps its own attributes in the same item.

Lists are Queries, newest first, on two indexes that project only the summary (`SUMMARY`), so the
row errors a job accumulates are written to the table alone:
- `product-created-index` (product, created): every job of the product (admins). Its hash key is
  one value per table, so it is one partition: about 1,000 index writes a second. A job writes it
  when it starts, at each progress checkpoint and when it ends (an import: twice per 250 rows), so
  the limit is some hundreds of jobs progressing at once, far above what people start;
- `owner-created-index` (owner, created): one user's jobs (jobs without an owner, e.g. a file put
  straight into the bucket, are in the product index only).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.base import meta, utcnow

PENDING, PROCESSING, COMPLETE, FAILED = "pending", "processing", "complete", "failed"
FINISHED = frozenset({COMPLETE, FAILED})
STATUSES = (PENDING, PROCESSING, COMPLETE, FAILED)
MAX_ERRORS = 500  # errors kept on a job (the item must stay far below DynamoDB's 400 KB)
# What the list indexes hold besides their keys: enough for a list row, never the errors.
# (Table and index keys are always projected; DynamoDB refuses them here.)
SUMMARY = ["kind", "status", "total", "processed", "result", "message", "updated", "finished"]


class Job(Model):
    """Abstract: `job_model(product)` binds it to the product's `jobs` table."""

    job_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # "import", "export", "assignment", "ocr", "autoassign"...
    product = UnicodeAttribute()
    status = UnicodeAttribute(default=PENDING)
    owner = UnicodeAttribute(null=True)  # the principal's subject; None when nobody started it
    owner_name = UnicodeAttribute(null=True)
    owner_roles = ListAttribute(of=UnicodeAttribute, null=True)
    total = NumberAttribute(null=True)  # items to process, when known
    processed = NumberAttribute(default=0)
    result = JSONAttribute(null=True)  # what a finished job produced (counts, a file's key...)
    errors = JSONAttribute(null=True)  # [{...}], at most MAX_ERRORS
    message = UnicodeAttribute(null=True)  # why a job failed
    created = UTCDateTimeAttribute(default=utcnow)
    updated = UTCDateTimeAttribute(default=utcnow)
    finished = UTCDateTimeAttribute(null=True)

    @property
    def principal(self) -> Principal | None:
        """Who started the job, for work that stamps `created_by`."""
        if not self.owner:
            return None
        return Principal(subject=self.owner, username=self.owner_name or "",
                         roles=frozenset(self.owner_roles or ()))

    @property
    def progress(self) -> int:
        """Percent done: 100 once complete, else processed/total (at most 99), 0 while the total is unknown."""
        if self.status == COMPLETE:
            return 100
        total = self.total
        return min(99, int(100 * (self.processed or 0) / total)) if total else 0

    def summary(self) -> dict[str, Any]:
        """A list row (what the indexes hold)."""
        return {"job_id": self.job_id, "kind": self.kind, "status": self.status, "owner": self.owner,
                "total": None if self.total is None else int(self.total), "processed": int(self.processed or 0),
                "progress": self.progress, "result": self.result, "message": self.message,
                "created": self.created, "updated": self.updated, "finished": self.finished}

    def detail(self) -> dict[str, Any]:
        """The status endpoint's view: the summary and the errors."""
        return {**self.summary(), "errors": list(self.errors or [])}


@cache
def job_model(product: str) -> type[Job]:
    """The `jobs` table of `product`, with its newest-first indexes per product and per owner."""

    class ByProduct(GlobalSecondaryIndex):
        class Meta:
            index_name = "product-created-index"
            projection = IncludeProjection([*SUMMARY, "owner"])

        product = UnicodeAttribute(hash_key=True)
        created = UTCDateTimeAttribute(range_key=True)

    class ByOwner(GlobalSecondaryIndex):
        class Meta:
            index_name = "owner-created-index"
            projection = IncludeProjection(SUMMARY)

        owner = UnicodeAttribute(hash_key=True)
        created = UTCDateTimeAttribute(range_key=True)

    class ProductJob(Job):
        Meta = meta("jobs", product)
        by_product = ByProduct()
        by_owner = ByOwner()

    ProductJob.__name__ = f"{product.title()}Job"
    return ProductJob
