"""Passport OCR in the embedded stack: a RevisBali upload through HTTP lands in the bucket, its S3 event
reaches the uploads queue, the runner's worker reads it with the offline engine, and the status route
shows the passport's fields."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.core.ocr.fixtures import page_bytes
from tests.e2e.stack import Stack, wait_for
from tests.kit.bodies import multipart

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    running = Stack(tmp_path_factory.mktemp("e2e-ocr") / "data", product="revisbali")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _call(stack: Stack, path: str, token: str, data: bytes, content_type: str) -> tuple[int, Any]:
    request = urllib.request.Request(stack.url + path, data=data, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_an_uploaded_passport_is_read_through_the_queue(stack: Stack) -> None:
    status, login = stack.request("POST", "/api/token/", {"username": "admin@revisbali.example.com",
                                                          "password": "admin12345"})
    assert status == 200, login
    token = login["token"]
    status, customer = stack.request("POST", "/api/customers/", {
        "firstName": "Erik", "lastName": "Rossi", "email": "erik@example.com", "customerType": "individual",
        "countryId": 208}, token=token)
    assert status == 201, customer
    status, application = stack.request("POST", "/api/applications/", {
        "customerId": customer["id"], "applicationType": "visa"}, token=token)
    assert status == 201, application
    body, content_type = multipart({"documentType": "passport", "applicationId": str(application["id"])},
                                   {"file": ("pp02.png", "image/png", page_bytes("pp02.png"))})
    status, document = _call(stack, "/api/documents/", token, body, content_type)
    assert status == 202 and document["ocrStatus"] == "processing", document

    def finished() -> Any:
        _, job = stack.request("GET", f"/api/ocr/status/{document['ocrJobId']}/", token=token)
        return job if job and job["status"] != "processing" else None

    job = wait_for(finished, timeout=60, interval=0.5)
    assert job and job["status"] == "complete", stack.output()[-3000:]
    assert {key: job["data"][key] for key in ("lastName", "firstName", "passportNumber", "nationality")} == {
        "lastName": "ROSSI", "firstName": "ERIK", "passportNumber": "KU2199351", "nationality": "DNK"}
