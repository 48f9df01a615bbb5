"""What an imported row is, and what the import endpoints answer (the spec renders pages there).

A row's cells arrive as text (core/files/reader.py). `status` may be written as the code
(`NOT_INTERESTED`) or as people read it (`Not Interested`, `not-interested`); `date` as
`YYYY-MM-DD`, a date and time (its day), or the Indian `DD/MM/YYYY` / `DD-MM-YYYY`; a missing date
is the day of the import; a missing status is NEW. Phone numbers may be national (India's) or
international and are stored in E.164.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from chalicelib.core.fields import TEXT
from chalicelib.core.phones import E164
from chalicelib.products.leads.schemas import Status
from chalicelib.products.leads.vocabulary import STATUS_DISPLAY

_STATUS_WORDS = {re.sub(r"[\s_-]+", "", name).casefold(): code
                 for code, display in STATUS_DISPLAY.items() for name in (code, display)}
_DAY_FIRST = re.compile(r"([0-9]{1,2})[/-]([0-9]{1,2})[/-]([0-9]{4})")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_MESSAGE = "Enter a date as YYYY-MM-DD or DD/MM/YYYY."
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _status(value: Any) -> Any:
    if isinstance(value, str):
        code = _STATUS_WORDS.get(re.sub(r"[\s_-]+", "", value).casefold())
        if code is None:
            raise PydanticCustomError(
                "status_choice", "\"{value}\" is not a valid status; one of: {choices}.",
                {"value": value[:50], "choices": ", ".join(STATUS_DISPLAY)})
        return code
    return value


def _day(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(value, str):
        raise PydanticCustomError("date_format", DATE_MESSAGE)
    text = value.strip()
    try:
        if _ISO_DAY.fullmatch(text):
            day = dt.date.fromisoformat(text)
        elif match := _DAY_FIRST.fullmatch(text):
            day = dt.date(int(match[3]), int(match[2]), int(match[1]))
        elif _ISO_DAY.match(text) and text[10:11] in ("T", " "):
            day = dt.datetime.fromisoformat(text).date()
        else:
            raise ValueError(text)
    except ValueError:
        raise PydanticCustomError("date_format", DATE_MESSAGE) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PydanticCustomError("date_range", f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}.")
    return day


class LeadRow(BaseModel):
    """One row of a lead file."""

    name: Annotated[str, Field(min_length=1, max_length=150), TEXT]
    phone_number: Annotated[str, E164("IN")]
    area: Annotated[str, Field(max_length=150), TEXT] = ""
    date: Annotated[dt.date | None, BeforeValidator(_day)] = None
    status: Annotated[Status, BeforeValidator(_status)] = "NEW"


class RowErrorOut(BaseModel):
    row: int = Field(description="The row as the spreadsheet numbers it (the header is row 1).")
    errors: dict[str, list[str]]


class ImporterOut(BaseModel):
    id: int
    username: str


class ImportOut(BaseModel):
    """One import: who, when, which file, how many rows, which were refused and why."""

    model_config = ConfigDict(defer_build=True)

    id: str = Field(description="The import's job id (GET /import/jobs/{job_id}/ shows its progress).")
    file_name: str
    imported_by: ImporterOut | None = Field(description="None for a file dropped into the bucket.")
    imported_at: dt.datetime
    source: str = Field(description="`api` (POST /import/) or `bucket` (a file under imports/leads/).")
    status: str = Field(description="pending, processing, complete or failed.")
    message: str | None = Field(description="Why a failed import stopped.")
    total_rows: int | None = Field(description="Data rows read (None until a bucket file is read).")
    created_rows: int
    failed_rows: int
    errors: list[RowErrorOut] = Field(description="The refused rows, in row order: the first 500 after an upload, the "
                                              "first 20 in the history (GET /import/jobs/{job_id}/ has 500).")
