"""The OCR worker: the `uploads` queue's handler for `documents/` (core/files/worker.py dispatches).

A passport's object key names its job (`documents/<document id>/<job id>.<ext>`). The worker claims
the job with a lease (a conditional update: pending, or processing with an expired lease), so a second
delivery of the same S3 event never runs it twice: one that finds the job finished does nothing, one
that finds it claimed raises and is delivered again later. What the page says ends the job at once
(`complete`, or `failed` with the reason: not an image, a damaged file, no MRZ, check digits that do
not pass); only an engine that cannot run is retried, and the last delivery fails the job rather
than leaving it processing.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import aws
from chalicelib.core.db.base import is_conditional_failure, utcnow
from chalicelib.core.db.read import get_or_none
from chalicelib.core.jobs.model import FINISHED, PENDING, PROCESSING
from chalicelib.core.jobs.service import JobMoved, Jobs
from chalicelib.products.revisbali.documents.models import KIND, OcrJob, ocr_job_model
from chalicelib.products.revisbali.documents.service import KEY, MAX_BYTES
from chalicelib.products.revisbali.models import PRODUCT

logger = logging.getLogger("crm.ocr")
LEASE = timedelta(seconds=110)  # shorter than the queue's visibility timeout (120 s)
GONE = "The uploaded file is no longer available. Please upload the document again."
TOO_BIG = "The file is larger than 5 MB."
GAVE_UP = "OCR could not be run on this document. Please upload it again later."


class JobBusy(RuntimeError):
    """Another delivery holds the job: this one is left on the queue, to look again later."""


def claim(job: OcrJob) -> bool:
    """Take the job for LEASE; False when it is finished. JobBusy while another worker holds it."""
    model, now = ocr_job_model(), utcnow()
    free = (model.status == PENDING) | ((model.status == PROCESSING)
                                        & (model.lease_until.does_not_exist() | (model.lease_until < now)))
    try:
        job.update(actions=[model.status.set(PROCESSING), model.lease_until.set(now + LEASE),
                            model.processed.set(1), model.updated.set(now)], condition=free)
    except UpdateError as exc:
        if not is_conditional_failure(exc):
            raise
        job.refresh()
        if job.status in FINISHED:
            return False
        raise JobBusy(job.job_id) from exc
    return True


def release(job: OcrJob) -> None:
    """Let the next delivery claim the job at once (this one failed in a way worth retrying)."""
    model = ocr_job_model()
    try:
        job.update(actions=[model.lease_until.remove()], condition=model.status == PROCESSING)
    except UpdateError:
        logger.warning("could not release OCR job %s", job.job_id)


def handle_object(bucket: str, key: str, *, etag: str | None = None, final_attempt: bool = False) -> None:
    """Run the OCR job the object's key names (an object under `documents/` without one: ignored)."""
    match = KEY.fullmatch(key)
    job = get_or_none(ocr_job_model(), match.group("job")) if match else None
    if job is None or job.kind != KIND or job.key != key:
        logger.info("no OCR job for %s; ignored", key)
        return
    if job.status in FINISHED or not claim(job):
        logger.info("OCR job %s already finished; redelivery ignored", job.job_id)
        return
    jobs = Jobs(PRODUCT)
    try:
        outcome = _read(bucket, key, job, jobs)
        if outcome.complete:
            jobs.finish(job, {"data": {**(outcome.data or {}), "needsReview": outcome.needs_review,
                                       "reviewReasons": list(outcome.reasons)}})
        else:
            jobs.fail(job, outcome.error or "OCR failed.")
    except JobMoved:
        logger.info("OCR job %s was finished by another delivery", job.job_id)
    except Exception:
        if not final_attempt:
            release(job)
            raise
        logger.exception("OCR job %s failed on its last delivery", job.job_id)
        with contextlib.suppress(JobMoved):  # another delivery finished it meanwhile
            jobs.fail(job, GAVE_UP)


def _read(bucket: str, key: str, job: OcrJob, jobs: Jobs) -> Any:
    """The page's passport result (core/ocr/passport.py); a page no engine can read is a failed result."""
    from chalicelib.core.ocr.engines import engine
    from chalicelib.core.ocr.images import PageError, page_of
    from chalicelib.core.ocr.passport import PassportResult, read_passport

    try:
        answer = aws.s3().get_object(Bucket=bucket, Key=key)
    except aws.s3().exceptions.NoSuchKey:
        return PassportResult(complete=False, error=GONE)
    if int(answer.get("ContentLength") or 0) > MAX_BYTES:
        return PassportResult(complete=False, error=TOO_BIG)
    data = answer["Body"].read(MAX_BYTES + 1)
    jobs.advance(job, 2)
    try:
        page = page_of(data)
        jobs.advance(job, 3)
        reading = engine().read(page)
    except PageError as exc:
        return PassportResult(complete=False, error=str(exc))
    return read_passport(reading)
