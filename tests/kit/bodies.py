"""Request bodies and files the tests send: multipart forms, uploaded files, XLSX workbooks."""

from __future__ import annotations

import io

BOUNDARY = "----crm-test-boundary-7MA4YWxk"


def multipart(fields: dict[str, str | list[str]], files: dict[str, tuple[str, str, bytes]],
              boundary: str = BOUNDARY) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type; a list value is one part per item (a repeated
    name); `files` maps a field to (filename, type, data)."""
    parts: list[bytes] = []
    for name, values in fields.items():
        for value in [values] if isinstance(values, str) else values:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                         + value.encode() + b"\r\n")
    for name, (filename, content_type, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def file_upload(filename: str, data: bytes, field: str = "file") -> tuple[bytes, str]:
    """One uploaded file, as a browser's file input sends it."""
    return multipart({}, {field: (filename, "application/octet-stream", data)})


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """A one-sheet workbook holding `rows`."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
