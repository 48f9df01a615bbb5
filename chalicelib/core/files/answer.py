"""A route that answers a file: CSV or XLSX in the response, or a link to it in the bucket.

A handler returns a `FileReply` (a header and an iterable of rows, usually `FileReply.export(spec,
records)`); the Api writes it through the core writer (formulas neutralised) and answers:

- **the file itself** (200, `Content-Type: text/csv; charset=utf-8` or the XLSX type, `Content-Disposition:
  attachment; filename="..."`) when the request's *first* Accept media range is exactly that type and
  the file is at most `inline_max_bytes` (4 MiB: a Lambda response is at most 6 MB, and a file is
  base64-encoded in it, 4/3 of its size). API Gateway returns a body as binary only when the request's
  first Accept type is a binary media type, so that is the rule here too;
- **a link** (200, JSON `{url, filename, content_type, rows, size, expires_in}`) otherwise: the file is
  written to the bucket under `exports/` (kept one day, infra/) and `url` is a presigned GET valid
  `expires_in` seconds, which a browser can open without a token. A file too big for a response is
  always a link, whatever the Accept header says. JSON rather than a 303: a fetch() following a
  redirect to S3 would carry the bearer token there, and S3 refuses a request signed twice;
- **406** when the request has an Accept header that allows neither the file's type nor
  `application/json`.

The file's kind is `kind` when the route fixes it (e.g. from `?format=`); else the offered kind the
Accept header names with the highest q (the first sent, on a tie); else the route's first kind. Rows are written to a
spooled temporary file (memory up to 8 MB, then /tmp) as they come: the table is never held whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.api import Answer
from chalicelib.core.errors import NotAcceptable
from chalicelib.core.files.writer import CSV_TYPE, XLSX_TYPE, write_file
from chalicelib.core.records import Record

if TYPE_CHECKING:
    from chalicelib.core.files.spec import ExportSpec

EXPORTS_PREFIX = "exports/"
INLINE_MAX_BYTES = 4 * 1024 * 1024  # base64 in a 6 MB Lambda response, with room for headers
LINK_SECONDS = 900
SPOOL_BYTES = 8 * 1024 * 1024
JSON = "application/json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileType(Record, frozen=True):
    kind: str
    media_type: str  # what Accept names
    content_type: str  # what the response says
    extension: str


FILE_TYPES = {
    "csv": FileType("csv", CSV_TYPE, f"{CSV_TYPE}; charset=utf-8", ".csv"),
    "xlsx": FileType("xlsx", XLSX_TYPE, XLSX_TYPE, ".xlsx"),
}


class ExportLink(BaseModel):
    """Where to download a file the API did not answer inline (a presigned GET on the bucket)."""

    model_config = ConfigDict(defer_build=True)  # built when first used: the Api imports this module

    url: str
    filename: str
    content_type: str
    rows: int
    size: int
    expires_in: int


FORMATS = {"csv": "csv", "xlsx": "xlsx", "excel": "xlsx"}  # `?format=` values (ISP's spec says `excel`)


class ExportQuery(BaseModel):
    """The query of an export route: `?format=` fixes the file's kind; without it the Accept header chooses."""

    model_config = ConfigDict(defer_build=True)

    format: Literal["csv", "xlsx", "excel"] | None = Field(
        default=None, description="`csv`, or `xlsx` (also `excel`); without it the Accept header chooses.")

    @property
    def kind(self) -> str | None:
        return FORMATS[self.format] if self.format else None


class FileReply(Answer, Record):
    """A file for the Api to answer; `filename` is the base name (the extension follows the kind)."""

    filename: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    kind: str | None = None  # fixed by the route (e.g. `?format=`); None: the Accept header chooses
    kinds: tuple[str, ...] = ("csv", "xlsx")
    inline_max_bytes: int = INLINE_MAX_BYTES

    @classmethod
    def export(cls, spec: ExportSpec, records: Iterable[Any], *, kind: str | None = None,
               filename: str | None = None, **options: Any) -> FileReply:
        """`records` (any iterable, e.g. a paged query) as the rows of `spec`."""
        return cls(filename=filename or spec.filename or spec.name, header=spec.columns,
                   rows=(spec.cells(record) for record in records), kind=kind, **options)

    def answer(self, request: Any, product: str) -> tuple[int, Any, dict[str, str]]:
        return respond(self, request, product)


# -- Accept ------------------------------------------------------------------------------------
def accept_ranges(header: str | None) -> list[tuple[str, float]] | None:
    """`Accept` as `[(media range, q)]` in the order sent; None when there is no header."""
    if header is None or not header.strip():
        return None
    ranges = []
    for part in header.split(","):
        media, *params = [piece.strip() for piece in part.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def quality(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The q the most specific matching range gives `media_type` (RFC 9110 12.5.1); 0 when none."""
    kind = media_type.split("/", 1)[0] + "/*"
    for candidate in (media_type, kind, "*/*"):
        values = [q for media, q in ranges if media == candidate]
        if values:
            return max(values)
    return 0.0


def choose(reply: FileReply, ranges: list[tuple[str, float]] | None) -> FileType:
    """The kind to write: the route's, else the first offered kind the Accept header names."""
    if reply.kind is not None:
        return FILE_TYPES[reply.kind]
    offered = [FILE_TYPES[kind] for kind in reply.kinds]
    for media, q in sorted(ranges or [], key=lambda item: -item[1]):  # by q, then as sent (a stable sort)
        found = next((t for t in offered if t.media_type == media and q > 0), None)
        if found is not None:
            return found
    return offered[0]


def attachment_name(filename: str, file_type: FileType) -> str:
    """A filename safe in a header and an S3 key: ASCII letters, digits, `.`, `_`, `-`, the right extension."""
    base = _UNSAFE.sub("_", filename).strip("._")[:100] or "export"
    if base.lower().endswith(file_type.extension):
        base = base[: -len(file_type.extension)] or "export"
    return base + file_type.extension


# -- the answer --------------------------------------------------------------------------------
def respond(reply: FileReply, request: Any, product: str) -> tuple[int, Any, dict[str, str]]:
    """(status, body, headers) for the Api: the file's bytes, or an `ExportLink`; 406 as above."""
    ranges = accept_ranges((request.headers or {}).get("accept"))
    file_type = choose(reply, ranges)
    if ranges is not None and quality(ranges, file_type.media_type) <= 0 and quality(ranges, JSON) <= 0:
        raise NotAcceptable(f"This file is sent as {file_type.media_type} (or, with Accept: application/json, "
                            "as a link to download it).")
    import tempfile  # lazily: only file answers pay for it

    inline = bool(ranges) and ranges[0][0] == file_type.media_type and ranges[0][1] > 0
    name = attachment_name(reply.filename, file_type)
    disposition = f'attachment; filename="{name}"'
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        rows = write_file(file_type.kind, spool, reply.header, reply.rows)
        size = spool.tell()
        spool.seek(0)
        if inline and size <= reply.inline_max_bytes:
            headers = {"Content-Type": file_type.content_type, "Content-Disposition": disposition,
                       "Cache-Control": "no-store"}
            return 200, spool.read(), headers
        url = upload(spool, product, name, file_type, disposition)
    link = ExportLink(url=url, filename=name, content_type=file_type.content_type, rows=rows, size=size,
                      expires_in=LINK_SECONDS)
    return 200, link.model_dump(), {"Cache-Control": "no-store"}


def upload(stream: IO[bytes], product: str, name: str, file_type: FileType, disposition: str) -> str:
    """Put the file under `exports/<product>/<random>/<name>` and answer a presigned GET for it."""
    import uuid

    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    bucket = get_settings().bucket
    key = f"{EXPORTS_PREFIX}{product}/{uuid.uuid4().hex}/{name}"
    s3 = aws.s3()
    s3.upload_fileobj(stream, bucket, key, ExtraArgs={"ContentType": file_type.content_type,
                                                      "ContentDisposition": disposition})
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                     ExpiresIn=LINK_SECONDS)
