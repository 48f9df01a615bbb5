"""Imports count themselves in EMF: ImportCompleted/ImportedRows/JobSucceeded, or ImportFailed/JobFailed."""

from __future__ import annotations

from tests.core.files.conftest import csv_bytes, multipart
from tests.core.logcapture import metric_values


def upload(client, token, filename: str, data: bytes):
    body, content_type = multipart(filename, data)
    return client.http.post("/api/widgets/bulk/upload/", body=body, headers={**token(), "Content-Type": content_type})


def test_a_completed_import_counts_itself_and_its_created_rows(client, token, capsys):
    capsys.readouterr()
    response = upload(client, token, "w.csv", csv_bytes("code,name,qty", "AB,One,1", "C,Two,2", "CD,Three,3"))
    assert response.status_code == 200 and response.json_body["records_created"] == 2
    out = capsys.readouterr().out
    assert [m["value"] for m in metric_values(out, "ImportCompleted")] == [1]
    rows = metric_values(out, "ImportedRows")
    assert [m["value"] for m in rows] == [2] and rows[0]["dimensions"] == {"product": "repaysync", "stage": "test"}
    jobs = metric_values(out, "JobSucceeded")
    assert [m["dimensions"]["kind"] for m in jobs] == ["import"]
    assert metric_values(out, "ImportFailed") == [] and metric_values(out, "JobFailed") == []


def test_a_failed_import_counts_one_failure(client, token, capsys):
    capsys.readouterr()
    response = upload(client, token, "w.xlsx", b"PK\x03\x04garbage")
    assert response.status_code == 400
    out = capsys.readouterr().out
    assert [m["value"] for m in metric_values(out, "ImportFailed")] == [1]
    assert [m["dimensions"]["kind"] for m in metric_values(out, "JobFailed")] == ["import"]
    assert metric_values(out, "ImportCompleted") == []
