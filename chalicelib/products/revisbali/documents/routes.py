"""The documents and OCR routes (specs/revisbali.md "OCR Workflow"), added to the product's route
table (routes.api); wiring.py imports this module so they are declared."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.api import Call
from chalicelib.core.http import MULTIPART
from chalicelib.core.lazyschemas import Schemas
from chalicelib.products.revisbali.documents.models import Document
from chalicelib.products.revisbali.roles import EVERYONE
from chalicelib.products.revisbali.routes import api

if TYPE_CHECKING:
    from chalicelib.products.revisbali.documents.schemas import DocumentOut, OcrStatusOut

S = Schemas("chalicelib.products.revisbali.documents.schemas")  # loaded on first use (core/lazyschemas.py)

__all__ = ["api"]


def document_out(document: Document) -> DocumentOut:
    from chalicelib.products.revisbali.documents import service

    return S.DocumentOut(id=document.id, application_id=document.application_id, document_type=document.document_type,
                       file_name=document.file_name, file_url=service.file_url(document),
                       uploaded_at=document.created_at, ocr_status=document.ocr_status,
                       ocr_job_id=document.ocr_job_id)


@api.route("/api/documents/", ["POST"], roles=EVERYONE, request=S.DocumentIn, response=S.DocumentOut, status=202,
           content_types=(MULTIPART,), upload="file", errors=(413,))
def upload_document(call: Call) -> DocumentOut:
    """A JPEG, PNG or PDF (at most 5 MB; its type read from its bytes) for an application the caller
    sees. A passport is read by OCR: poll `GET /api/ocr/status/{ocrJobId}/`."""
    from chalicelib.products.revisbali.documents import service

    upload = call.parsed.files.get("file") if call.parsed else None
    return document_out(service.upload(call.user, call.body, upload))


api.answers_item_of("/api/documents/", "/api/ocr/status/", field="ocrJobId")


@api.route("/api/ocr/status/{job_id}/", ["GET"], roles=EVERYONE, response=S.OcrStatusOut)
def ocr_status(call: Call) -> OcrStatusOut:
    """An OCR job: `processing` with its progress, `complete` with the passport's fields (`needsReview`
    when the printed names disagree with the machine readable zone), or `failed` with the reason."""
    from chalicelib.products.revisbali.documents import status

    return status.status_of(status.visible_job(call.user, call.path["job_id"]))
