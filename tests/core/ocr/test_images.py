"""Uploaded pages: type by magic bytes, size from the header before decoding, PDFs rasterised to PNG."""

from __future__ import annotations

import struct
import zlib

import pytest

from chalicelib.core.ocr.images import JPEG, MAX_PIXELS, PDF, PNG, PageError, encode_png, image_size, page_of, sniff
from tests.core.ocr.fixtures import page_bytes


def _png_header(width: int, height: int) -> bytes:
    body = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + body + struct.pack(">I", zlib.crc32(body))


def test_types_come_from_the_bytes_not_the_name():
    assert sniff(page_bytes("pp00.png")) == PNG and sniff(page_bytes("pp03.jpg")) == JPEG
    assert sniff(page_bytes("pp00.pdf")) == PDF
    assert sniff(b"GIF89a....") is None and sniff(b"<svg xmlns=...") is None and sniff(b"") is None


def test_sizes_are_read_from_the_header():
    assert image_size(page_bytes("pp00.png"), PNG) == (1250, 880)
    width, height = image_size(page_bytes("pp03.jpg"), JPEG)
    assert width > 500 and height > 300


def test_a_huge_canvas_in_a_small_file_is_refused_before_decoding():
    bomb = _png_header(20_000, 20_000) + b"\x00" * 64
    assert MAX_PIXELS < 20_000 * 20_000
    with pytest.raises(PageError, match="megapixels"):
        page_of(bomb)


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, b"\xff\xd8\xff\xe0\x00\x10JFIF",
                                  b"%PDF-1.7\n garbage", b"hello, this is text", b""])
def test_damaged_or_foreign_files_are_refused_with_a_reason(data):
    with pytest.raises(PageError) as raised:
        page_of(data)
    assert str(raised.value).endswith(".") and len(str(raised.value)) > 20


def test_a_pdf_page_becomes_a_png_of_about_1600_pixels():
    page = page_of(page_bytes("pp00.pdf"))
    assert page.kind == PNG and sniff(page.data) == PNG
    width, height = image_size(page.data, PNG)
    assert 1400 <= max(width, height) <= 1600 and width > height


def test_the_png_encoder_writes_what_pillow_reads():
    import io

    from PIL import Image

    pixels = bytes(range(6)) + b"\x00\x00" + bytes(range(6, 12)) + b"\x00\x00"  # 2x2 RGB, stride 8
    image = Image.open(io.BytesIO(encode_png(pixels, 2, 2, 8)))
    assert image.size == (2, 2) and image.getpixel((1, 1)) == (9, 10, 11)
