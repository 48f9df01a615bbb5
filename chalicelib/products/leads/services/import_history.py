"""The imports, as the history lists them: core import jobs (kind `import`) of Leads' jobs table.

A page is one Query on the jobs' product index, newest first, kept to imports (the assignment jobs
queued beside them are passed over by the Query's filter), then one batch read of those jobs for
what the index does not hold (the file name, who, the row counts and errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.read import batch_get
from chalicelib.core.files.jobs import KIND, import_job_model
from chalicelib.core.jobs.service import Jobs
from chalicelib.core.paging import Slice, Window
from chalicelib.products.leads.models import PRODUCT
from chalicelib.products.leads.vocabulary import MANAGERS

if TYPE_CHECKING:
    from chalicelib.products.leads.import_schemas import ImporterOut, ImportOut

JOBS = Jobs(PRODUCT, admin_roles=MANAGERS)  # managers and admins see every import


def page(principal: Principal, window: Window) -> Slice:
    """One window of imports, newest first, as full import jobs."""
    found = JOBS.page(principal, window, kind=KIND)
    jobs = batch_get(import_job_model(PRODUCT), [item.job_id for item in found.items])
    return Slice([jobs[item.job_id] for item in found.items if item.job_id in jobs], found.last)


def _importer(job: Any) -> ImporterOut | None:
    from chalicelib.products.leads.import_schemas import ImporterOut

    if not job.owner or not str(job.owner).isdigit():
        return None
    return ImporterOut(id=int(job.owner), username=job.owner_name or "")


def rendered(job: Any, errors: int | None = None) -> ImportOut:
    """An import job as answered; `errors`: at most that many refused rows."""
    from chalicelib.products.leads.import_schemas import ImportOut

    refused = job.row_errors()
    return ImportOut(
        id=job.job_id, file_name=job.filename, imported_by=_importer(job), imported_at=job.created,
        source=job.source, status=job.status, message=job.message, total_rows=job.total_rows,
        created_rows=int(job.created_rows or 0), failed_rows=int(job.error_rows or 0),
        errors=refused if errors is None else refused[:errors])
