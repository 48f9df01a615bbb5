"""Reports a schedule writes to the bucket go through the core writer, under reports/ only."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from chalicelib.core import aws
from chalicelib.core.config import get_settings
from chalicelib.core.files.store import save_report


def _object(key: str) -> dict:
    return aws.s3().get_object(Bucket=get_settings().bucket, Key=key)


def test_a_csv_report_is_neutralised_typed_and_counted(app):
    rows = iter([["=HYPERLINK(\"http://x\")", 3], ["Anil", None]])  # a generator: never held whole
    key, count = save_report("daily/2030-01-01.csv", ["name", "qty"], rows)
    assert (key, count) == ("reports/daily/2030-01-01.csv", 2)
    stored = _object(key)
    assert stored["ContentType"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(stored["Body"].read().decode("utf-8-sig"), newline="")))
    assert table == [["name", "qty"], ["'=HYPERLINK(\"http://x\")", "3"], ["Anil", ""]]


def test_an_xlsx_report_keeps_numbers(app):
    key, count = save_report("monthly/2030-01.xlsx", ["name", "qty"], [["+91", 4]], kind="xlsx")
    assert count == 1
    stored = _object(key)
    assert stored["ContentType"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(stored["Body"].read())).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["name", "qty"], ["'+91", 4]]


@pytest.mark.parametrize("path", ["", "/etc/x.csv", "../exports/x.csv", "a/../../x.csv"])
def test_a_path_outside_reports_is_refused(path):
    with pytest.raises(ValueError):
        save_report(path, ["a"], [])
