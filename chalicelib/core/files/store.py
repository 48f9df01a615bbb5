"""Files a schedule or worker writes to the stage's bucket (reports), through the one core writer.

Why here: a product's report says which rows and columns; where and how the file is written (formulas
neutralised, content type, spooled so a big report is never held whole) is the same for every product.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from chalicelib.core.files.writer import CSV_TYPE, XLSX_TYPE, write_file

REPORTS_PREFIX = "reports/"
CONTENT_TYPES = {"csv": f"{CSV_TYPE}; charset=utf-8", "xlsx": XLSX_TYPE}
SPOOL_BYTES = 8 * 1024 * 1024


def report_key(path: str) -> str:
    """`reports/<path>`; a path that climbs out or is absolute is a programming error."""
    if not path or path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"bad report path {path!r}")
    return REPORTS_PREFIX + path


def save_report(path: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                kind: str = "csv") -> tuple[str, int]:
    """Write `rows` as a `kind` file to `reports/<path>` in the stage's bucket; answer (key, data rows)."""
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    key = report_key(path)
    content_type = CONTENT_TYPES[kind]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        count = write_file(kind, spool, header, rows)
        spool.seek(0)
        aws.s3().upload_fileobj(spool, get_settings().bucket, key, ExtraArgs={"ContentType": content_type})
    return key, count
