"""A route answering a file: CSV/XLSX inline, a link to the bucket, Accept (406), and the round trip
export -> import -> export that changes nothing, formulas included."""

from __future__ import annotations

import io
import tracemalloc
import urllib.parse

import pytest

from chalicelib.core.config import get_settings
from tests.core.files.conftest import PRODUCT, Widget, all_widgets, csv_bytes, multipart

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# cells a spreadsheet would run, a quote of its own, a phone number, non-ASCII text
TRICKY = ["=HYPERLINK(\"http://evil\")", "'=already quoted", "+91-98765 43210", "@SUM(A1)", "-neg", "'plain",
          "Ünïcødé नमस्ते"]
SOURCE = csv_bytes("code,name,qty,color,made_on",
                   *[f"W{n:02d},\"{name.replace(chr(34), chr(34) * 2)}\",{n},blue,2024-01-{n + 1:02d}"
                     for n, name in enumerate(TRICKY)], "ZZ,Last,0,,")


def upload(client, headers, data: bytes, filename: str = "w.csv"):
    body, content_type = multipart(filename, data)
    response = client.http.post("/api/widgets/bulk/upload/", body=body,
                                headers={**headers, "Content-Type": content_type})
    assert response.status_code == 200, response.body
    return response.json_body


def export(client, headers, accept: str | None, query: str = ""):
    extra = {"Accept": accept} if accept is not None else {}
    return client.http.get(f"/api/widgets/export/{query}", headers={**headers, **extra})


def snapshot() -> list[tuple]:
    return sorted((w.code, w.name, int(w.qty), w.color, w.made_on) for w in all_widgets())


def forget_widgets() -> None:
    """An empty stage for the re-import (test helper: Scan is fine here, never on a request path)."""
    from chalicelib.core.db.unique import unique_model

    for model in (Widget, unique_model(PRODUCT)):
        for item in model.scan():
            item.delete()


# -- inline files ------------------------------------------------------------------------------
def test_csv_inline_with_its_type_name_and_neutralised_cells(client, token):
    upload(client, token(), SOURCE)
    response = export(client, token(), "text/csv")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="widgets.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeffcode,name,qty,color,made_on\r\n")  # a BOM: Excel then reads UTF-8
    assert "'=HYPERLINK" in text and "'+91-98765 43210" in text
    assert "\r\nW01,'=already quoted," in text  # the file's own protective quote was dropped on import...
    assert "\r\nW05,''plain," in text  # ...while a quote that protects nothing is kept, and doubled here
    assert "\r\nW06,Ünïcødé नमस्ते,6,blue,2024-01-07\r\n" in text


def test_xlsx_inline_is_a_workbook_whose_cells_never_run(client, token):
    from openpyxl import load_workbook

    upload(client, token(), SOURCE)
    response = export(client, token(), XLSX)
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == XLSX
    assert response.headers["Content-Disposition"] == 'attachment; filename="widgets.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.body)).active.iter_rows(values_only=True))
    assert rows[0] == ("code", "name", "qty", "color", "made_on")
    assert rows[1] == ("W00", "'=HYPERLINK(\"http://evil\")", 0, "blue", "2024-01-01")  # qty a number


def test_format_fixes_the_kind_and_accept_may_not_refuse_it(client, token):
    upload(client, token(), SOURCE)
    assert export(client, token(), XLSX, "?format=xlsx").headers["Content-Type"] == XLSX
    assert export(client, token(), XLSX, "?format=excel").headers["Content-Type"] == XLSX  # ISP's word for it
    assert export(client, token(), "text/csv", "?format=csv").headers["Content-Type"].startswith("text/csv")
    refused = export(client, token(), "text/csv", "?format=xlsx")
    assert refused.status_code == 406
    assert refused.json_body == {"error": "This file is sent as application/vnd.openxmlformats-officedocument"
                                          ".spreadsheetml.sheet (or, with Accept: application/json, as a link to "
                                          "download it)."}
    assert export(client, token(), "image/png, text/html;q=0.9").status_code == 406
    assert export(client, token(), "text/csv;q=0, application/json;q=0").status_code == 406


def test_accept_chooses_the_kind_in_the_order_sent(client, token):
    upload(client, token(), SOURCE)
    assert export(client, token(), f"{XLSX}, text/csv").headers["Content-Type"] == XLSX
    assert export(client, token(), f"text/csv, {XLSX}").headers["Content-Type"].startswith("text/csv")
    by_q = export(client, token(), f"text/csv;q=0.5, {XLSX}")  # XLSX preferred, but not first: a link
    assert by_q.json_body["content_type"] == XLSX


def test_bad_format_401_and_wrong_role(client, token):
    assert export(client, token(), "text/csv", "?format=pdf").status_code == 400
    assert client.http.get("/api/widgets/export/", headers={"Accept": "text/csv"}).status_code == 401
    assert export(client, token("9", "calling_agent"), "text/csv").status_code == 403


def test_cors_lets_a_browser_read_the_filename(client, token):
    response = client.http.get("/api/widgets/export/",
                               headers={**token(), "Accept": "text/csv", "Origin": "http://localhost:3000"})
    assert "Content-Disposition" in response.headers["Access-Control-Expose-Headers"].split(",")


# -- links to the bucket -----------------------------------------------------------------------
def fetch(url: str) -> tuple[bytes, dict]:
    """The object a presigned GET names (SigV4, 900 s), read as its URL would serve it."""
    from chalicelib.core import aws

    parsed = urllib.parse.urlparse(url)
    query = urllib.parse.parse_qs(parsed.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["900"]
    bucket = get_settings().bucket
    key = urllib.parse.unquote(parsed.path.lstrip("/"))
    if not parsed.netloc.startswith(f"{bucket}."):  # path-style URL
        key = key.removeprefix(f"{bucket}/")
    obj = aws.s3().get_object(Bucket=bucket, Key=key)
    return obj["Body"].read(), {"ContentType": obj["ContentType"], "ContentDisposition": obj["ContentDisposition"],
                                "key": key}


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "text/html,*/*;q=0.8"])
def test_without_the_file_type_first_the_answer_is_a_link(client, token, accept):
    upload(client, token(), SOURCE)
    response = export(client, token(), accept)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    link = response.json_body
    assert set(link) == {"url", "filename", "content_type", "rows", "size", "expires_in"}
    assert link["filename"] == "widgets.csv" and link["rows"] == len(TRICKY) + 1 and link["expires_in"] == 900
    body, meta = fetch(link["url"])
    assert len(body) == link["size"] and body == export(client, token(), "text/csv").body
    assert meta["ContentType"] == "text/csv; charset=utf-8"
    assert meta["ContentDisposition"] == 'attachment; filename="widgets.csv"'
    assert meta["key"].startswith(f"exports/{PRODUCT}/") and meta["key"].endswith("/widgets.csv")


def test_a_file_too_big_to_answer_is_a_link_even_when_the_type_was_asked(client, token):
    upload(client, token(), SOURCE)
    response = export(client, token(), XLSX, "?inline_max=100")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    link = response.json_body
    assert link["content_type"] == XLSX and link["filename"] == "widgets.xlsx" and link["size"] > 100
    body, _ = fetch(link["url"])
    assert body.startswith(b"PK")


def test_the_lambda_limit_leaves_room_for_base64():
    from chalicelib.core.files.answer import INLINE_MAX_BYTES

    base64_size = 4 * -(-INLINE_MAX_BYTES // 3)
    assert base64_size + 64 * 1024 < 6 * 1024 * 1024  # Lambda's synchronous response limit, headers aside


# -- the round trip ----------------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["text/csv", XLSX])
def test_an_export_re_imports_unchanged(client, token, accept):
    upload(client, token(), SOURCE)
    before = snapshot()
    assert {name for _, name, *_ in before} == {*TRICKY, "Last"} - {"'=already quoted"} | {"=already quoted"}
    first = export(client, token(), accept)
    forget_widgets()
    assert all_widgets() == []
    result = upload(client, token(), first.body, "again.xlsx" if accept == XLSX else "again.csv")
    assert result["errors"] == [] and result["records_created"] == len(TRICKY) + 1
    assert snapshot() == before  # the names with formulas and quotes came back exactly
    second = export(client, token(), accept)
    assert cells(second.body, accept) == cells(first.body, accept)


def cells(data: bytes, accept: str) -> list[tuple]:
    """A file's cells as a spreadsheet holds them (a workbook's zip carries its write time)."""
    if accept == XLSX:
        from openpyxl import load_workbook

        return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    import csv

    return [tuple(row) for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))]


# -- streaming ---------------------------------------------------------------------------------
def test_rows_are_written_as_they_come(tmp_path):
    from chalicelib.core.files.writer import write_file

    def rows():
        for n in range(100_000):
            yield [n, f"name {n}", "=formula", "x" * 20]

    tracemalloc.start()
    with open(tmp_path / "big.csv", "wb") as stream:
        count = write_file("csv", stream, ["id", "name", "f", "pad"], rows())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 100_000 and (tmp_path / "big.csv").stat().st_size > 4_000_000
    assert peak < 1_000_000  # never the whole file in memory


def test_the_document_states_the_file_the_link_and_406(widgets_app):
    from chalicelib.core.openapi import build_document

    document = build_document(widgets_app.crm_product.api)
    operation = document["paths"]["/api/widgets/export/"]["get"]
    content = operation["responses"]["200"]["content"]
    assert content["text/csv; charset=utf-8"]["schema"] == {"type": "string", "format": "binary"}
    assert content[XLSX]["schema"] == {"type": "string", "format": "binary"}
    link = document["components"]["schemas"]["ExportLink"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ExportLink"}
    assert set(link["required"]) == {"url", "filename", "content_type", "rows", "size", "expires_in"}
    assert operation["responses"]["406"]["content"]["application/json"]["example"]["error"].startswith("This file")
    formats = {p["name"]: p["schema"] for p in operation["parameters"]}["format"]["anyOf"][0]["enum"]
    assert formats == ["csv", "xlsx", "excel"]


def test_the_audit_trail_records_a_file_by_name_and_size_not_its_bytes(client, token, widgets_app):
    upload(client, token(), SOURCE)
    response = export(client, token(), "text/csv")
    entry = widgets_app.crm_audited[-1]
    assert (entry.method, entry.endpoint, entry.status_code) == ("GET", "/api/widgets/export/", 200)
    assert entry.response_payload == f'<file attachment; filename="widgets.csv", {len(response.body)} bytes>'
