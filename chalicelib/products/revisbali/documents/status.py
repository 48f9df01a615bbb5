"""What an OCR job says to the person polling it, and the OCR state of an application's documents.

The job is the one record of an OCR's progress (the document keeps only its job id): a job the
worker has not claimed yet reads `processing` at 0 %; a finished one `complete` with the passport's
fields, or `failed` with the reason. A job is seen by whoever sees its document's application.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.read import batch_get, get_or_none
from chalicelib.core.errors import NotFound
from chalicelib.core.jobs.model import COMPLETE, FAILED
from chalicelib.products.revisbali.documents.models import KIND, Document, OcrJob, ocr_job_model
from chalicelib.products.revisbali.services import applications
from chalicelib.products.revisbali.services.common import find

if TYPE_CHECKING:
    from chalicelib.products.revisbali.documents.schemas import OcrStatusOut

JOB_ID = re.compile(r"ocr_[0-9a-f]{32}")
STEP_MESSAGES = ("Waiting for OCR to start...", "Reading the document...", "Preparing the page...",
                 "Extracting text from document...")
DONE, REVIEW, FAILED_MESSAGE = ("OCR completed successfully", "OCR completed; please check the names",
                                "OCR processing failed")


def wire_status(job_status: str) -> str:
    return job_status if job_status in (COMPLETE, FAILED) else "processing"


def visible_job(principal: Principal, job_id: str) -> OcrJob:
    """The OCR job, if the caller sees its document's application; 404 otherwise (ids reveal nothing)."""
    missing = NotFound("OCR job not found.")
    if not JOB_ID.fullmatch(job_id):
        raise missing
    job = get_or_none(ocr_job_model(), job_id)
    if job is None or job.kind != KIND or job.document_id is None:
        raise missing
    document = find(Document, int(job.document_id))
    if document is None:
        raise missing
    try:
        applications.visible(principal, document.application_id)
    except NotFound as exc:
        raise missing from exc
    return job


def status_of(job: OcrJob) -> OcrStatusOut:
    from chalicelib.products.revisbali.documents.schemas import OcrStatusOut, PassportData

    status = wire_status(job.status)
    if status == COMPLETE:
        result: dict[str, Any] = job.result or {}
        data = PassportData.model_validate(result.get("data") or {})
        return OcrStatusOut(job_id=job.job_id, status=status, progress=100,
                            message=REVIEW if data.needs_review else DONE, data=data, error=None)
    if status == FAILED:
        return OcrStatusOut(job_id=job.job_id, status=status, progress=0, message=FAILED_MESSAGE, data=None,
                            error=job.message or "OCR failed.")
    step = min(int(job.processed or 0), len(STEP_MESSAGES) - 1)
    return OcrStatusOut(job_id=job.job_id, status=status, progress=job.progress, message=STEP_MESSAGES[step],
                        data=None, error=None)


def document_states(documents: list[Document]) -> dict[int, str]:
    """Each document's OCR state (one BatchGet of their jobs): `processing`, `complete`, `failed`, or
    `not_applicable` for a type no OCR reads."""
    jobs = batch_get(ocr_job_model(), [document.ocr_job_id for document in documents])
    states = {}
    for document in documents:
        job = jobs.get(document.ocr_job_id) if document.ocr_job_id else None
        states[document.id] = wire_status(job.status) if job is not None else document.ocr_status
    return states
