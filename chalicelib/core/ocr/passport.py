"""What an engine read on a passport page -> the holder's data, or why it cannot be trusted.

The data line decides: a job is `complete` only when its check digits pass (mrz.py). The names come
from the MRZ's name line and from the printed (visual) zone; when both are read and agree, the MRZ's
spelling is kept (it has the spaces an engine drops between printed words). When they disagree, the
printed names are reported (engines read the large printed letters far better than the chevron-packed
name line) and `needs_review` is set, as when only one of them was read: names have no check digit.
"""

from __future__ import annotations

import re
from dataclasses import field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from chalicelib.core.ocr.mrz import (
    MrzError,
    Names,
    looks_like_data_line,
    looks_like_name_line,
    read_data_line,
    read_name_line,
)
from chalicelib.core.records import Record

NO_TEXT = "Unable to detect text in the uploaded image. Please ensure the document is clear and well-lit."
NO_MRZ = ("No machine readable zone (the two lines of letters, digits and < at the bottom of a passport's photo "
          "page) was found. Please upload the whole photo page, clear and well-lit.")
NO_NAMES = "The holder's names could not be read. Please upload a sharper image of the photo page."
SURNAME_LABEL, GIVEN_LABEL = "surnamenom", "givennamesprenoms"
_NAME_VALUE = re.compile(r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ' \-]*")


class Reading(Record, frozen=True):
    """What an engine read on one page: its text lines, top to bottom, and the fields it found itself
    (Textract's AnalyzeID: `MRZ_CODE`, `FIRST_NAME`, `LAST_NAME`...)."""

    lines: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)


class PassportResult(Record, frozen=True):
    complete: bool
    data: dict[str, Any] | None = None  # the spec's `data` fields, camelCase
    needs_review: bool = False
    reasons: tuple[str, ...] = ()  # why the data needs a person's eyes
    error: str | None = None  # why the job failed, for the person who uploaded the page


def _letters(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.upper())


def _is_label(text: str, label: str) -> bool:
    squeezed = re.sub(r"[^a-z]", "", text.lower())
    return len(squeezed) >= 6 and SequenceMatcher(None, squeezed, label).ratio() >= 0.75


def printed_names(reading: Reading) -> tuple[str, str] | None:
    """(surname, given names) from the visual zone: the engine's own fields, else the line after
    each label ("Surname/Nom", "Given names/Prénoms")."""
    surname, given = reading.fields.get("LAST_NAME", "").strip(), reading.fields.get("FIRST_NAME", "").strip()
    if surname:
        return surname.upper(), given.upper()
    found: dict[str, str] = {}
    lines = [line.strip() for line in reading.lines]
    for index, line in enumerate(lines):
        for label in (SURNAME_LABEL, GIVEN_LABEL):
            if label in found or not _is_label(line, label):
                continue
            following = next((value for value in lines[index + 1:index + 3]
                              if _NAME_VALUE.fullmatch(value) and not looks_like_name_line(value)), None)
            if following:
                found[label] = following
    if SURNAME_LABEL not in found:
        return None
    return found[SURNAME_LABEL], found.get(GIVEN_LABEL, "")


def _mrz_lines(reading: Reading) -> tuple[list[str], list[str]]:
    """Candidate (name lines, data lines), the engine's MRZ field first."""
    lines = list(reading.lines)
    code = reading.fields.get("MRZ_CODE", "")
    if code:
        lines = [part for part in re.split(r"[\r\n]+", code) if part.strip()] + lines
    names = [line for line in lines if looks_like_name_line(line)]
    data = [line for line in lines if looks_like_data_line(line)]
    return names, data


def _agree(mrz: Names, printed: tuple[str, str]) -> bool:
    return _letters(mrz.surname) == _letters(printed[0]) and _letters(mrz.given_names) == _letters(printed[1])


def read_passport(reading: Reading, *, today: date | None = None) -> PassportResult:
    """The holder's data when the MRZ's check digits pass; else failed with a reason a person can act on."""
    if not any(line.strip() for line in reading.lines) and not reading.fields:
        return PassportResult(complete=False, error=NO_TEXT)
    name_lines, data_lines = _mrz_lines(reading)
    if not data_lines:
        return PassportResult(complete=False, error=NO_MRZ)
    error: str | None = None
    data_line = None
    for candidate in data_lines:
        try:
            data_line = read_data_line(candidate, today=today)
            break
        except MrzError as exc:
            error = error or str(exc)
    if data_line is None:
        return PassportResult(complete=False, error=error)
    mrz_names = next((names for names in map(read_name_line, name_lines) if names is not None), None)
    printed = printed_names(reading)
    reasons: list[str] = []
    if mrz_names and printed and _agree(mrz_names, printed):
        surname, given = mrz_names.surname, mrz_names.given_names
    elif mrz_names and printed:
        reasons.append("The printed names differ from the names in the machine readable zone.")
        surname, given = printed
    elif printed:
        reasons.append("The names in the machine readable zone could not be read to check the printed names.")
        surname, given = printed
    elif mrz_names:
        if not mrz_names.intact:
            reasons.append("The names in the machine readable zone were read with characters missing.")
        surname, given = mrz_names.surname, mrz_names.given_names
    else:
        return PassportResult(complete=False, error=NO_NAMES)
    data = {"firstName": given, "lastName": surname, "passportNumber": data_line.document_number,
            "dateOfBirth": data_line.birth_date.isoformat(), "expiryDate": data_line.expiry_date.isoformat(),
            "nationality": data_line.nationality, "gender": data_line.sex}
    return PassportResult(complete=True, data=data, needs_review=bool(reasons), reasons=tuple(reasons))
