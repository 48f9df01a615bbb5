"""The real offline engine (rapidocr-onnxruntime) on the ten generated passport pages, as images and as
PDFs: at least 8 of 10 with every expected field exact, and no page `complete` with a wrong field.

Marked `ocr` (slow: ~1-2 s a page on two shared cores, models loaded once per process); it runs in
`make test`, and `-m "not ocr"` leaves it out while iterating.
"""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.core.ocr.engines import engine
from chalicelib.core.ocr.images import page_of
from chalicelib.core.ocr.passport import read_passport
from tests.core.ocr.fixtures import page_bytes, truth

pytestmark = pytest.mark.ocr
TODAY = date(2026, 11, 29)  # the fixtures' two-digit birth years read the same until 2053


@pytest.mark.parametrize("kind", ["file", "pdf"])
def test_the_offline_engine_reads_the_fixture_pages(kind):
    reader = engine("rapidocr")
    exact, wrong = [], []
    for page in truth():
        result = read_passport(reader.read(page_of(page_bytes(page[kind]))), today=TODAY)
        if result.complete and result.data == page["expected"]:
            exact.append(page[kind])
        elif result.complete:
            wrong.append((page[kind], result.data))
        else:
            assert result.error, page[kind]  # a failed page says why
    assert wrong == [], "complete with a wrong field"
    assert len(exact) >= 8, exact
