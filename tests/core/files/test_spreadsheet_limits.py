"""Uploaded workbooks: every row is read whatever the <dimension> tag says, and a workbook that would
inflate past the limits is refused from its zip directory, before openpyxl parses anything (issue 5)."""

from __future__ import annotations

import io
import struct
import zipfile

from tests.core.files.conftest import all_widgets, multipart
from tests.kit.bodies import xlsx_bytes

ROWS = [["code", "name", "qty"]] + [[f"W{n:03d}", f"Widget {n}", n] for n in range(2, 12)]  # 10 data rows


def _rewrite(data: bytes, name: str, change) -> bytes:
    """The workbook with one member's content replaced by `change(content)` (added if it is missing)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item, change(body) if item.filename == name else body, zipfile.ZIP_DEFLATED)
        if name not in source.namelist():
            target.writestr(name, change(b""), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _upload(client, token, data: bytes):
    body, content_type = multipart("w.xlsx", data)
    return client.http.post("/api/widgets/bulk/upload/", body=body, headers={**token(), "Content-Type": content_type})


def test_a_wrong_dimension_tag_hides_no_row(client, token):
    data = _rewrite(xlsx_bytes(ROWS), "xl/worksheets/sheet1.xml",
                    lambda xml: xml.replace(b'<dimension ref="A1:C11" />', b'<dimension ref="A1:J3" />'))
    assert b'ref="A1:J3"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    response = _upload(client, token, data)
    assert response.status_code == 200, response.body
    assert response.json_body["records_created"] == 10 and response.json_body["errors"] == []
    assert [widget.code for widget in all_widgets()] == [f"W{n:03d}" for n in range(2, 12)]


def test_a_shared_strings_bomb_is_413_before_parsing(client, token, engine, monkeypatch):
    """8 MB of one repeated string compresses to a few KB (over 200:1): refused from the zip directory."""
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not parse a refused workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    padding = sst + b"<si><t>" + b"A" * (8 * 1024 * 1024) + b"</t></si></sst>"
    data = _rewrite(xlsx_bytes(ROWS), "xl/sharedStrings.xml", lambda _: padding)
    assert len(data) < 64 * 1024
    response = _upload(client, token, data)
    assert response.status_code == 413, response.body
    assert response.json_body["error"].startswith("The XLSX file is too large once uncompressed: "
                                                  "xl/sharedStrings.xml inflates to ")
    assert all_widgets() == [] and [job.status for job in engine.jobs.scan()] == ["failed"]


def _claim_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size in the central directory set to `size` (a 1 GB claim
    costs nothing to build)."""
    raw = bytearray(data)
    entry = raw.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", raw, entry + 28)[0]
        if raw[entry + 46: entry + 46 + name_length].decode() == name:
            struct.pack_into("<I", raw, entry + 24, size)
            return bytes(raw)
        entry = raw.index(b"PK\x01\x02", entry + 4)


def test_a_workbook_claiming_a_gigabyte_is_413_within_the_limit_setting(client, token, monkeypatch):
    from chalicelib.core.config import reset_settings

    data = _claim_size(xlsx_bytes(ROWS), "xl/worksheets/sheet1.xml", 1024 ** 3)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size == 1024 ** 3
    response = _upload(client, token, data)
    assert response.status_code == 413, response.body
    assert "1073741824 bytes" in response.json_body["error"]

    monkeypatch.setenv("CRM_XLSX_MAX_UNCOMPRESSED_BYTES", "4096")  # the limit is a setting
    reset_settings()
    try:
        response = _upload(client, token, xlsx_bytes(ROWS))
        assert response.status_code == 413, response.body
        assert "(the limit is 4096" in response.json_body["error"]
    finally:
        monkeypatch.delenv("CRM_XLSX_MAX_UNCOMPRESSED_BYTES")
        reset_settings()
    assert _upload(client, token, xlsx_bytes(ROWS)).status_code == 200
