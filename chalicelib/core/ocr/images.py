"""Uploaded pages: their type by magic bytes, their size from the header, PDFs as a PNG of page one.

An engine reads JPEG or PNG (Textract's AnalyzeID takes nothing else), so a PDF's first page is
rasterised with pypdfium2 and encoded here as PNG with zlib (no Pillow or numpy in the Lambda).
Dimensions are read from the header before anything decodes a page, so a small file claiming a
huge canvas (a decompression bomb) is refused without being inflated.
"""

from __future__ import annotations

import struct
import zlib

from chalicelib.core.records import Record

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
MAX_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 MP; a passport photo page far less
TARGET_SIDE = 1600  # pixels on a rasterised PDF page's long side: the MRZ's characters ~25 px high
MAX_SCALE = 300 / 72  # never above 300 dpi
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}


class PageError(ValueError):
    """The file is not a page an engine can read; the message is for the person who uploaded it."""


def sniff(data: bytes) -> str | None:
    """The media type the bytes are (JPEG, PNG or PDF), whatever the file's name says."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:1024].lstrip(b"\x00\t\n\r \xef\xbb\xbf").startswith(b"%PDF-"):
        return PDF
    return None


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise PageError("The PNG image is damaged and cannot be read.")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int]:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            raise PageError("The JPEG image is damaged and cannot be read.")
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        if length < 2:
            break
        index += 2 + length
    raise PageError("The JPEG image is damaged and cannot be read.")


def image_size(data: bytes, kind: str) -> tuple[int, int]:
    """(width, height) from the header of a JPEG or PNG."""
    return _png_size(data) if kind == PNG else _jpeg_size(data)


class Page(Record, frozen=True):
    """One page as an engine takes it."""

    kind: str  # JPEG or PNG
    data: bytes


def check_image(data: bytes, kind: str) -> None:
    width, height = image_size(data, kind)
    if width < 1 or height < 1:
        raise PageError("The image has no pixels.")
    if width * height > MAX_PIXELS:
        raise PageError(f"The image is {width} x {height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels "
                        "are read.")


def page_of(data: bytes) -> Page:
    """The page an engine reads: an image as it is (its size checked), a PDF's first page rasterised."""
    kind = sniff(data)
    if kind is None:
        raise PageError("The file is not a JPEG, PNG or PDF document.")
    if kind == PDF:
        return Page(PNG, rasterise(data))
    check_image(data, kind)
    return Page(kind, data)


def rasterise(data: bytes) -> bytes:
    """The PDF's first page as PNG bytes, its long side about TARGET_SIDE pixels."""
    import pypdfium2 as pdfium  # ~9 MB with its library: loaded by the OCR worker only

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise PageError("The PDF document is damaged or password-protected and cannot be read.") from None
    try:
        if len(document) < 1:
            raise PageError("The PDF document has no pages.")
        page = document[0]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise PageError("The PDF document's first page has no area.")
        scale = min(MAX_SCALE, TARGET_SIDE / max(width, height))
        bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB
        rows = bytes(bitmap.buffer)
        return encode_png(rows, bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels)
    finally:
        document.close()


def encode_png(pixels: bytes, width: int, height: int, stride: int, channels: int = 3) -> bytes:
    """A PNG of 8-bit RGB (3 channels) or grey (1) rows, each `stride` bytes apart."""
    colour = {1: 0, 3: 2}[channels]
    row_bytes = width * channels
    raw = b"".join(b"\x00" + pixels[row * stride:row * stride + row_bytes] for row in range(height))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
