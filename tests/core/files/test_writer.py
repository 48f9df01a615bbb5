"""The one writer of CSV and XLSX files: no text cell starts a formula, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.files.writer import csv_bytes, xlsx_bytes

DANGEROUS = ["=1+1", "+91-98765 43210", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]
ROW = [*DANGEROUS, "plain", 7, -5, Decimal("-12.50"), 1.5, None, True, date(2025, 1, 2)]


def test_csv_cells_that_would_run_are_quoted_and_numbers_are_kept():
    data, count = csv_bytes([f"c{n}" for n in range(len(ROW))], [ROW])
    assert count == 1
    _header, row = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert row[:len(DANGEROUS)] == ["'" + text for text in DANGEROUS]
    assert row[len(DANGEROUS):] == ["plain", "7", "-5", "-12.50", "1.5", "", "true", "2025-01-02"]


def test_a_header_is_neutralised_too():
    data, _ = csv_bytes(["=bad", "ok"], [])
    assert data.decode() == "'=bad,ok\r\n"


def test_xlsx_text_cells_are_text_and_numbers_are_numbers():
    from openpyxl import load_workbook

    data, count = xlsx_bytes([f"c{n}" for n in range(len(ROW))], [ROW])
    assert count == 1
    sheet = load_workbook(io.BytesIO(data)).active
    cells = next(iter(sheet.iter_rows(min_row=2, max_row=2)))
    expected = ["'" + text.replace("\r", "\n") for text in DANGEROUS]  # XML reads a stored CR back as LF
    assert [cell.value for cell in cells[:len(DANGEROUS)]] == expected
    assert all(cell.data_type == "s" for cell in cells[:len(DANGEROUS)])  # none is a formula ("f")
    numbers = cells[len(DANGEROUS) + 1: len(DANGEROUS) + 5]
    assert [cell.value for cell in numbers] == [7, -5, -12.5, 1.5] and {c.data_type for c in numbers} == {"n"}


@given(st.text())
def test_the_import_drops_exactly_the_quote_the_writer_adds(text):
    from chalicelib.core.files.writer import safe_text, unquote

    assert unquote(safe_text(text)) == text
    assert not safe_text(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_quote_a_person_typed_before_a_formula_character_is_dropped_on_import():
    from chalicelib.core.files.reader import cell_text

    assert cell_text("'+91-98765 43210") == "+91-98765 43210"
    assert cell_text("''quoted") == "'quoted"
    assert cell_text("'plain") == "'plain" and cell_text("'") == "'"
