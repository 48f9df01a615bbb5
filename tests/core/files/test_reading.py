"""Reading and mapping: formats, BOM, header aliases, cell normalisation (no AWS involved)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from chalicelib.core.errors import BadRequest, ValidationFailed
from chalicelib.core.files.reader import cell_text, open_table
from chalicelib.core.files.rows import RowMapper
from chalicelib.core.files.spec import RowError
from tests.core.files.conftest import Writer, csv_bytes, widget_spec, xlsx_bytes


def rows_of(data: bytes, filename: str = "w.csv") -> tuple[list, list]:
    table = open_table(io.BytesIO(data), filename)
    try:
        return table.header, list(table.rows())
    finally:
        table.close()


def test_csv_rows_are_numbered_like_a_spreadsheet():
    header, rows = rows_of(csv_bytes("code,name,qty", "AB,One,1", "", "CD, Two ,2"))
    assert header == ["code", "name", "qty"]
    assert rows == [(2, ["AB", "One", "1"]), (3, []), (4, ["CD", "Two", "2"])]


def test_bom_is_dropped_from_the_first_header():
    header, _ = rows_of(csv_bytes("code,name,qty", "AB,One,1", bom=True))
    assert header[0] == "code"


def test_semicolon_csv_is_understood():
    header, rows = rows_of(csv_bytes("code;name;qty", "AB;One, Ltd;1"))
    assert header == ["code", "name", "qty"] and rows[0][1] == ["AB", "One, Ltd", "1"]


def test_xlsx_is_sniffed_even_with_a_csv_name_and_cells_become_text():
    data = xlsx_bytes([["code", "qty", "made_on", "ratio"], [1234, 5.0, datetime(2024, 1, 2), 0.5]])
    header, rows = rows_of(data, "misnamed.csv")
    assert header == ["code", "qty", "made_on", "ratio"]
    assert rows == [(2, ["1234", "5", "2024-01-02", "0.5"])]


@pytest.mark.parametrize("data, filename", [
    (b"", "w.csv"),
    (b"\xff\xfe\x00c\x00o\x00d\x00e", "w.csv"),  # UTF-16
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls"),
    (b"PK\x03\x04not really a zip", "w.xlsx"),
    (b"not a zip", "w.xlsx"),
])
def test_unreadable_files_are_a_400(data, filename):
    with pytest.raises(BadRequest):
        rows_of(data, filename)


def test_cell_text():
    assert cell_text("  x ") == "x"
    assert cell_text("   ") is None
    assert cell_text(9876543210.0) == "9876543210"
    assert cell_text(True) == "true"
    assert cell_text(datetime(2024, 1, 2, 10, 30)) == "2024-01-02T10:30:00"


def test_header_aliases_ignore_case_spaces_and_separators():
    mapper = RowMapper(widget_spec(Writer()), ["Widget Code", "NAME", "Quantity", "made-on", "unknown"])
    row = mapper.validate(2, ["AB", "One", "3", None, "ignored"])
    assert row.code == "AB" and row.qty == 3 and row.color == "red" and row.made_on is None


def test_missing_required_columns_name_them():
    with pytest.raises(ValidationFailed) as caught:
        RowMapper(widget_spec(Writer()), ["code", "colour"])
    assert caught.value.field_errors == {"file": ["Missing required columns: name, qty."]}


def test_row_errors_are_per_field():
    mapper = RowMapper(widget_spec(Writer()), ["code", "name", "qty"])
    error = mapper.validate(5, ["A", None, "-1"])
    assert isinstance(error, RowError) and error.row == 5
    assert error.as_dict()["errors"]["name"] == ["This field is required."]
    assert set(error.errors) == {"code", "name", "qty"}
    assert mapper.validate(6, [None, None, None]) is None  # a blank row is skipped
