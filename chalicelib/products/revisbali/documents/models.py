"""The documents table, and the OCR job: a core job (core/jobs, kind "ocr") with its document and lease.

`application-index` (application_id, id) lists an application's documents (its detail embeds them).
The OCR job is an item of the product's `jobs` table; it is created `pending` with the document and
claimed by the worker with a lease (`lease_until`): a second delivery of the same S3 event finds it
claimed (and waits for a later delivery) or finished (and does nothing), so a job runs once.
"""

from __future__ import annotations

from functools import cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.core.db.base import BaseModel, meta
from chalicelib.core.db.indexes import gsi
from chalicelib.core.jobs.model import Job, job_model
from chalicelib.products.revisbali.models import PRODUCT

KIND = "ocr"
NOT_APPLICABLE = "not_applicable"  # the ocrStatus of a document no OCR reads (only passports are read)


class Document(BaseModel):
    """An uploaded file of an application: its object in the bucket and, for a passport, its OCR job."""

    Meta = meta("documents", PRODUCT)
    id = NumberAttribute(hash_key=True)
    application_id = NumberAttribute()
    document_type = UnicodeAttribute()
    file_name = UnicodeAttribute()
    key = UnicodeAttribute()  # documents/<id>/<job id or "file"><extension>
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    uploaded_by = UnicodeAttribute()  # the uploader's subject
    ocr_status = UnicodeAttribute()  # as uploaded: "processing" or NOT_APPLICABLE; the job says the rest
    ocr_job_id = UnicodeAttribute(null=True)

    application_index = gsi("application-index", "application_id", "id", NumberAttribute)


class OcrFields:
    """What an OCR job holds beyond every job's attributes."""

    document_id = NumberAttribute(null=True)
    key = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)  # a worker holds the job until then


class OcrJob(OcrFields, Job):
    """Abstract (for type hints): `ocr_job_model()` is the concrete one."""


@cache
def ocr_job_model() -> type[OcrJob]:
    class RevisbaliOcrJob(OcrJob, job_model(PRODUCT)):  # type: ignore[misc, valid-type]
        pass

    return RevisbaliOcrJob


MODELS = [Document]
