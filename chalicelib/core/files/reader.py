"""Rows out of a CSV or XLSX file, one at a time, as text cells.

Both formats come out the same way (a header and `(row number, cells)` pairs, every cell a stripped
string or None), so validation never depends on the format. A leading quote that protects a formula
character (`'=...`, `'+91...`, as the writer puts it) is dropped, so an export re-imports unchanged.
Row numbers are what a spreadsheet shows: the header is row 1, the first data row 2. openpyxl is
imported only when an XLSX file arrives.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, PayloadTooLarge
from chalicelib.core.files.writer import unquote

Cells = list[str | None]
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
CSV_DELIMITERS = (",", ";", "\t")


class UnreadableFile(BadRequest):
    """The file broke while its rows were read (a damaged or truncated workbook): retrying cannot help."""


def cell_text(value: Any) -> str | None:
    """One cell as text: integral floats lose their `.0`, midnight datetimes become dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    text = unquote(str(value).strip())  # the quote our writer put before a formula character
    return text or None


class Table:
    """A header and a stream of rows; `estimated_rows` (data rows) is for progress only."""

    kind = ""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.header: Cells = []
        self.estimated_rows: int | None = None

    def rows(self) -> Iterator[tuple[int, Cells]]:
        raise NotImplementedError

    def count_rows(self, limit: int) -> int:
        """The data rows (blank ones too), counted up to `limit + 1`: enough to tell "more than limit"."""
        return sum(1 for _ in islice(self.rows(), limit + 1))

    def close(self) -> None:
        """Release what the reader holds (the caller owns the stream)."""


@contextmanager
def _text(stream: IO[bytes]) -> Iterator[IO[str]]:
    """The byte stream as UTF-8 text (a BOM is dropped), handed back to the caller afterwards."""
    stream.seek(0)
    wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    try:
        yield wrapper
    finally:
        wrapper.detach()


class CsvTable(Table):
    kind = "csv"

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(stream)
        self.delimiter = ","
        self._scan()

    def _scan(self) -> None:
        """Read the whole file once before anything is written: a bad encoding or a broken quote is
        a 400 for the whole file instead of a half-imported one, and the row count feeds progress."""
        try:
            with _text(self.stream) as text:
                first = text.readline()
                self.delimiter = max(CSV_DELIMITERS, key=first.count) if first else ","
                if first and not any(d in first for d in CSV_DELIMITERS):
                    self.delimiter = ","
                text.seek(0)
                reader = csv.reader(text, delimiter=self.delimiter)
                header = next(reader, None)
                count = sum(1 for _ in reader)
        except UnicodeDecodeError as exc:
            raise BadRequest("The file must be a UTF-8 encoded CSV or an XLSX workbook.") from exc
        except csv.Error as exc:
            raise BadRequest(f"The CSV file could not be read: {exc}.") from exc
        self.header = [cell_text(cell) for cell in header or []]
        self.estimated_rows = count

    def rows(self) -> Iterator[tuple[int, Cells]]:
        with _text(self.stream) as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            next(reader, None)
            for number, record in enumerate(reader, start=2):
                yield number, [cell_text(cell) for cell in record]

    def count_rows(self, limit: int) -> int:
        return self.estimated_rows or 0  # exact: the scan read every record


def check_inflated_size(stream: IO[bytes], *, max_total: int, max_member: int, max_ratio: int) -> None:
    """Refuse (413) a workbook that would inflate past the limits, from its zip directory alone.

    An XLSX is a zip: 1 MB of repeated shared strings can inflate to gigabytes, and openpyxl reads
    sharedStrings.xml whole. The directory states every member's uncompressed size; a member that
    claims less than it holds is cut off by zipfile when read (it checks the size and CRC), so the
    stated sizes are a real bound."""
    import zipfile

    stream.seek(0)
    try:
        members = zipfile.ZipFile(stream).infolist()  # type: ignore[arg-type]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadRequest("The XLSX file could not be read.") from exc
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > max_member or (member.file_size > 1024 * 1024 and ratio > max_ratio):
            raise PayloadTooLarge(
                f"The XLSX file is too large once uncompressed: {member.filename} inflates to {member.file_size} "
                f"bytes (the limit is {max_member} bytes per part, and {max_ratio}:1 compression). Split the "
                f"file or save it as CSV.")
    if total > max_total:
        raise PayloadTooLarge(
            f"The XLSX file is too large once uncompressed: {total} bytes (the limit is {max_total}). Split "
            f"the file or save it as CSV.")


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(stream)
        settings = get_settings()
        check_inflated_size(stream, max_total=settings.xlsx_max_uncompressed_bytes,
                            max_member=settings.xlsx_max_uncompressed_bytes, max_ratio=settings.xlsx_max_ratio)
        from openpyxl import load_workbook  # lazily: only XLSX uploads pay for openpyxl

        stream.seek(0)
        try:
            self.workbook = load_workbook(stream, read_only=True, data_only=True)
            self.sheet = self.workbook.active or self.workbook.worksheets[0]
            # Read-only mode trusts the sheet's <dimension> tag, which any writer may get wrong (a tag
            # saying A1:J3 over ten rows hid eight of them): forget it and read every row there is.
            self.sheet.reset_dimensions()
            header_row = next(self.sheet.iter_rows(), ())
            header = [cell.value for cell in header_row]
            self.first_row = getattr(header_row[0], "row", 1) if header_row else 1
        except Exception as exc:  # zipfile, XML and openpyxl errors all mean "not a workbook we can read"
            raise BadRequest("The XLSX file could not be read.") from exc
        self.header = [cell_text(cell) for cell in header]
        self.estimated_rows = None  # unknown until read: only the untrusted tag would say

    def rows(self) -> Iterator[tuple[int, Cells]]:
        start = self.first_row + 1
        number = start - 1
        try:
            for offset, values in enumerate(self.sheet.iter_rows(min_row=start, values_only=True)):
                number = start + offset
                yield number, [cell_text(cell) for cell in values]
        except Exception as exc:  # XML ParseError (a SyntaxError), BadZipFile, zlib.error, EOFError, openpyxl's own
            raise UnreadableFile(f"The file could not be read: the workbook is damaged or incomplete after row "
                                 f"{number}.") from exc

    def close(self) -> None:
        self.workbook.close()


def file_kind(filename: str, head: bytes) -> str:
    """`xlsx` or `csv`: the content decides when it is clear, else the extension."""
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise BadRequest("Legacy .xls workbooks are not supported; save the file as .xlsx or .csv.")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise BadRequest("The XLSX file could not be read.")
    return "csv"


def open_table(stream: IO[bytes], filename: str) -> Table:
    """A reader for `stream` (seekable bytes); 400 for an empty or unreadable file."""
    stream.seek(0)
    head = stream.read(8)
    if not head:
        raise BadRequest("The file is empty.")
    table: Table = XlsxTable(stream) if file_kind(filename, head) == "xlsx" else CsvTable(stream)
    if not any(table.header):
        table.close()
        raise BadRequest("The file has no header row.")
    return table
