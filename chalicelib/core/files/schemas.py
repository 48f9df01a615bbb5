"""Request and response bodies of the import engine's routes (core/files/routes.py), in their own
module so that declaring the routes builds no model (core/lazyschemas.py)."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.core.fields import RequestModel, Text

FILENAME = r"^[A-Za-z0-9_-][A-Za-z0-9._ -]*\.(csv|xlsx|xlsm|CSV|XLSX|XLSM)$"


class PresignRequest(RequestModel):
    import_type: Text = Field(min_length=1, max_length=64)
    # It becomes part of the S3 key as is: harmless characters and an importable extension.
    filename: str = Field(max_length=115, json_schema_extra={"pattern": FILENAME})

    @field_validator("filename", mode="before")
    @classmethod
    def _importable(cls, value: object) -> object:
        """Checked as sent (before trimming), as the document states it."""
        if isinstance(value, str) and not re.fullmatch(FILENAME, value):
            raise ValueError("Only .csv and .xlsx files with plain names can be imported.")
        return value


def presign_request_for(kinds: list[str]) -> type[PresignRequest]:
    """`PresignRequest` whose `import_type` is one of the engine's kinds, stated as an enum in the
    OpenAPI document (the message stays the engine's own)."""

    class ImportPresignRequest(PresignRequest):
        import_type: str = Field(json_schema_extra={"enum": kinds})

        @field_validator("import_type", mode="before")
        @classmethod
        def _known(cls, value: object) -> object:
            if isinstance(value, str) and value not in kinds:
                raise ValueError(f'"{value}" is not a valid choice.')
            return value

    return ImportPresignRequest


class PresignResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use: `import app` stays small

    job_id: str
    url: str
    fields: dict[str, str]
    key: str
    expires_in: int


class RowErrorOut(BaseModel):
    model_config = ConfigDict(defer_build=True)

    row: int
    errors: dict[str, list[str]]


class ImportJobResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    job_id: str
    import_type: str
    status: str
    filename: str
    total_rows: int | None
    processed_rows: int
    created_rows: int
    error_rows: int
    counts: dict[str, int] | None = None  # what the writer counted by name (e.g. created, updated), if it does
    progress: int
    errors: list[RowErrorOut]
    message: str | None
    created: datetime
    updated: datetime
    finished: datetime | None
