"""Uploading a document: checked by its bytes, stored under `documents/`, a passport's OCR job queued.

The file's type comes from its magic bytes (JPEG, PNG or PDF), never from its name or the part's
Content-Type; an image's pixel count is read from its header and refused past 40 MP before anything
decodes it. The job and the document are written before the object: the object's S3 event is what
starts the worker (through the `uploads` queue), and the worker finds the job from the object's key.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from typing import TYPE_CHECKING

from chalicelib.core import aws
from chalicelib.core.auth.principal import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import query_page
from chalicelib.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from chalicelib.core.http import UploadedFile
from chalicelib.core.jobs.model import PENDING
from chalicelib.core.jobs.service import Jobs
from chalicelib.core.ocr.images import EXTENSIONS, PDF, PageError, check_image, sniff
from chalicelib.core.paging import Window
from chalicelib.products.revisbali.documents.models import KIND, NOT_APPLICABLE, Document, ocr_job_model
from chalicelib.products.revisbali.models import PRODUCT
from chalicelib.products.revisbali.services import applications
from chalicelib.products.revisbali.services.common import Counters

if TYPE_CHECKING:
    from chalicelib.products.revisbali.documents.schemas import DocumentIn

logger = logging.getLogger("crm.documents")
document_ids = IdSequence(Counters, "documents")
MAX_BYTES = 5 * 1024 * 1024
OCR_TYPES = frozenset({"passport"})
STEPS = 4  # claimed, file read, page ready, text read: the job's `total`
URL_SECONDS = 15 * 60
EMBEDDED = 100  # documents an application's detail shows
KEY = re.compile(r"documents/(?P<document>[0-9]{1,18})/(?P<job>ocr_[0-9a-f]{32})\.(?:jpg|png|pdf)")
_UNSAFE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def safe_file_name(name: str, extension: str) -> str:
    """The name as shown back: its last path part, without control or invisible characters, at most
    120 characters (its extension kept); `document<ext>` when nothing is left."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = _UNSAFE.sub("", base).strip().lstrip(".")
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:110] + dot + ext[:9]) if dot and len(ext) <= 9 else base[:120]
    return base or f"document{extension}"


def _checked_file(upload: UploadedFile | None) -> tuple[str, bytes]:
    """(media type, bytes) of an acceptable upload, else a 400 on `file` (413 past the size)."""
    if upload is None or not upload.data:
        raise ValidationFailed({"file": ["No file was submitted."]})
    if len(upload.data) > MAX_BYTES:
        raise PayloadTooLarge(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    kind = sniff(upload.data)
    if kind is None:
        raise ValidationFailed({"file": ["Upload a JPEG, PNG or PDF file."]})
    if kind != PDF:
        try:
            check_image(upload.data, kind)
        except PageError as exc:
            raise ValidationFailed({"file": [str(exc)]}) from exc
    return kind, upload.data


def upload(principal: Principal, body: DocumentIn, file: UploadedFile | None) -> Document:
    """Store the file for an application the caller sees (another's, or none: 400 on `applicationId`)."""
    try:
        application, _ = applications.visible(principal, body.application_id)
    except NotFound as exc:
        raise ValidationFailed({"application_id": [f"Application with id {body.application_id} not found."]}) \
            from exc
    kind, data = _checked_file(file)
    extension = EXTENSIONS[kind]
    document_id, now = document_ids.next(), utcnow()
    reads = body.document_type in OCR_TYPES
    job_id = f"ocr_{uuid.uuid4().hex}" if reads else None
    key = f"documents/{document_id}/{job_id or 'file'}{extension}"
    job = None
    if job_id is not None:
        job = ocr_job_model()(job_id, kind=KIND, product=PRODUCT, status=PENDING, total=STEPS,
                              owner=principal.subject, owner_name=principal.username,
                              owner_roles=sorted(principal.roles), document_id=document_id, key=key)
        job.save(condition=ocr_job_model().job_id.does_not_exist())
    document = Document(document_id, application_id=application.id, document_type=body.document_type,
                        file_name=safe_file_name(file.filename if file else "", extension), key=key,
                        content_type=kind, size=len(data), uploaded_by=principal.subject,
                        ocr_status="processing" if reads else NOT_APPLICABLE, ocr_job_id=job_id,
                        created_at=now, updated_at=now)
    try:
        document.save(condition=Document.id.does_not_exist())
        aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=data, ContentType=kind)
    except Exception:
        if job is not None:  # never a job left pending for a file that is not there
            Jobs(PRODUCT).fail(job, "The upload could not be stored. Please upload the document again.")
        raise
    return document


def file_url(document: Document) -> str:
    """A presigned GET of the document's object (signing makes no AWS call)."""
    return aws.s3().generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().bucket, "Key": document.key,
                              "ResponseContentDisposition": "inline", "ResponseContentType": document.content_type},
        ExpiresIn=URL_SECONDS)


def of_application(application_id: int) -> list[Document]:
    """The application's first documents (EMBEDDED at most), in upload order: one Query."""
    return list(query_page(Document.application_index, application_id, Window(limit=EMBEDDED, after=None)).items)
