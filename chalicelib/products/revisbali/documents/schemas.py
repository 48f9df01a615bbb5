"""Bodies of the documents and OCR routes, camelCase on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from chalicelib.core.fields import RecordId
from chalicelib.core.wire import WireModel
from chalicelib.products.revisbali.schemas import Input

DocumentType = Literal["passport", "visa", "photo", "other"]
OcrStatus = Literal["processing", "complete", "failed", "not_applicable"]


class DocumentIn(Input):
    """The form fields beside the multipart `file` (JPEG, PNG or PDF, at most 5 MB)."""

    document_type: DocumentType = Field(description="Only a `passport` is read by OCR.")
    application_id: RecordId


class DocumentOut(WireModel):
    id: int
    application_id: int
    document_type: str
    file_name: str
    file_url: str = Field(description="A link to the file, valid for 15 minutes.")
    uploaded_at: datetime
    ocr_status: OcrStatus
    ocr_job_id: str | None = Field(description="Poll GET /api/ocr/status/{jobId}/ (null: no OCR for this type).")


class PassportData(WireModel):
    first_name: str
    last_name: str
    passport_number: str
    date_of_birth: date
    expiry_date: date
    nationality: str = Field(description="ISO 3166-1 alpha-3 (or an ICAO code such as XXA).")
    gender: Literal["M", "F", "X"]
    needs_review: bool = Field(description="The printed names disagree with the machine readable zone, or "
                                           "could not be checked against it: a person should look.")
    review_reasons: list[str]


class OcrStatusOut(WireModel):
    job_id: str
    status: Literal["processing", "complete", "failed"]
    progress: int = Field(ge=0, le=100)
    message: str
    data: PassportData | None
    error: str | None
