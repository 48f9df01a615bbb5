"""Every CSV and XLSX file the system writes goes through here, so no cell can run as a formula.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and some also after a leading tab or
CR) as a formula: `=HYPERLINK(...)` leaks data, `=cmd|' /C calc'!A0` runs a program (DDE). As OWASP
recommends, such text cells are written with a leading single quote, which the spreadsheet shows as
text. Phone numbers such as `+91-98765 43210` are text and get the quote too. A text that itself
starts with a quote gets one more, so the import (`unquote`, applied to every cell read) can drop the
protective quote again and an exported file re-imports exactly what was exported.

Numbers stay numbers: an int, Decimal or float value (never a str) is written as the number it is,
a negative one included (`-5` in CSV, a numeric cell in XLSX); it cannot carry a formula. Dates are
written as ISO 8601 text, None as an empty cell, booleans as `true`/`false`.

CSV is written row by row to a text stream; XLSX uses openpyxl's write-only mode (rows streamed to
a temporary file, not kept as cell objects), imported only when an XLSX file is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_QUOTED = (*FORMULA_PREFIXES, QUOTE)  # what follows a protective quote (and so what gets one)
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UTF8_BOM = "\ufeff"


def safe_text(text: str) -> str:
    """`text` as a cell no spreadsheet runs: a leading quote where it would start a formula (or where
    it starts with a quote itself, so `unquote` is its exact inverse)."""
    return QUOTE + text if text.startswith(_QUOTED) else text


def unquote(text: str) -> str:
    """The inverse of `safe_text`: drop a leading quote that protects a formula character or a quote.

    A cell a person typed as `'+91...` reads `+91...` too, which is what they meant; `'hello` is kept."""
    return text[1:] if text.startswith(QUOTE) and text[1:2] and text[1] in _QUOTED else text


def cell_value(value: Any) -> Any:
    """One value as a safe cell: numbers as numbers, everything else as neutralised text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return safe_text(str(value))


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False) -> int:
    """Write a header and `rows` to `stream` as CSV; returns the number of data rows.

    `bom`: start with a UTF-8 byte order mark, so Excel reads non-ASCII names right (the import drops it)."""
    if bom:
        stream.write(UTF8_BOM)
    writer = csv.writer(stream, lineterminator="\r\n")  # RFC 4180; a CR or LF in a cell is then quoted
    writer.writerow([cell_value(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in map(cell_value, row)])
        count += 1
    return count


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    """A whole CSV file as UTF-8 bytes, and its number of data rows."""
    out = io.StringIO()
    count = write_csv(out, header, rows)
    return out.getvalue().encode("utf-8"), count


def write_xlsx(stream: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *,
               sheet: str = "Sheet1") -> int:
    """Write a one-sheet XLSX workbook to `stream`; returns the number of data rows."""
    from openpyxl import Workbook  # lazily: only XLSX files pay for openpyxl

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([cell_value(name) for name in header])
    count = 0
    for row in rows:
        worksheet.append([cell_value(cell) for cell in row])
        count += 1
    workbook.save(stream)
    return count


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1") -> tuple[bytes, int]:
    """A one-sheet XLSX workbook, and its number of data rows."""
    buffer = io.BytesIO()
    count = write_xlsx(buffer, header, rows, sheet=sheet)
    return buffer.getvalue(), count


def write_file(kind: str, stream: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """`kind` ("csv" or "xlsx") written to a binary stream row by row; returns the number of data rows.

    A CSV starts with a UTF-8 BOM (Excel needs it to read non-ASCII text; every reader here drops it)."""
    if kind == "xlsx":
        return write_xlsx(stream, header, rows)
    if kind != "csv":
        raise ValueError(f"unknown file kind {kind!r}")
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")  # type: ignore[arg-type]
    try:
        return write_csv(text, header, rows, bom=True)
    finally:
        text.flush()
        text.detach()  # the caller keeps the binary stream
