"""HTTP routes of the import engine: a presigned POST for big files, and a job's status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from chalicelib.core.api import Api, Call
from chalicelib.core.fields import RequestModel, Text


class PresignRequest(RequestModel):
    import_type: Text = Field(min_length=1, max_length=64)
    filename: Text = Field(min_length=1, max_length=255)


class PresignResponse(BaseModel):
    job_id: str
    url: str
    fields: dict[str, str]
    key: str
    expires_in: int


class RowErrorOut(BaseModel):
    row: int
    errors: dict[str, list[str]]


class ImportJobResponse(BaseModel):
    job_id: str
    import_type: str
    status: str
    filename: str
    total_rows: int | None
    processed_rows: int
    created_rows: int
    error_rows: int
    progress: int
    errors: list[RowErrorOut]
    message: str | None
    created: datetime
    updated: datetime
    finished: datetime | None


def register_import_routes(api: Api, engine: Any, roles: set[str] | frozenset[str] | None,
                           prefix: str = "/api/imports/") -> None:
    @api.route(f"{prefix}presign/", ["POST"], roles=roles, request=PresignRequest, response=PresignResponse,
               status=201, name="import_presign",
               content_types=("application/json", "application/x-www-form-urlencoded"))
    def presign(call: Call) -> PresignResponse:
        """A presigned POST for an import file too big for the API; the job starts `pending`."""
        return PresignResponse(**engine.presign(call.body.import_type, call.body.filename, call.user))

    @api.route(f"{prefix}{{job_id}}/", ["GET"], roles=roles, response=ImportJobResponse,
               name="import_job_status")
    def job_status(call: Call) -> ImportJobResponse:
        """An import job's status, progress and row errors (your own jobs; admins see all)."""
        return ImportJobResponse.model_validate(engine.get_job(call.path["job_id"], call.user).as_dict())
