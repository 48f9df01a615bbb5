"""Documents and passport OCR through the HTTP interface and the uploads queue's handler.

Upload (multipart) -> 202 `processing` with a job id; the object's S3 event reaches `uploads_worker`
(invoked here as Lambda would be, with the S3 notification in an SQS message); `GET /api/ocr/status/`
and the application's detail show the outcome. The engine is a stand-in here except in the test marked
`ocr` (the real offline engine on a fixture PDF); tests/core/ocr/ covers the engines and the MRZ step.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import pytest

from chalicelib.core.ocr.passport import Reading
from tests.core.ocr.fixtures import page_bytes
from tests.kit.bodies import multipart

NAME_LINE, DATA_LINE = "P<AUSNOWAK<<MINH<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "XB18159080AUS6301031M3207039<<<<<<<<<<<<<<00"
PASSPORT = {"firstName": "MINH", "lastName": "NOWAK", "passportNumber": "XB1815908", "dateOfBirth": "1963-01-03",
            "expiryDate": "2032-07-03", "nationality": "AUS", "gender": "M", "needsReview": False,
            "reviewReasons": []}
APPLICATION = {"applicationType": "visa", "visaType": "tourist", "duration": 30, "purpose": "Holiday"}


def _png(width: int = 2, height: int = 2) -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    rows = b"".join(b"\x00" + b"\xff" * width * 3 for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class StandInEngine:
    """Reads every page as the same passport; counts its calls."""

    name = "stand-in"

    def __init__(self, reading: Reading | None = None) -> None:
        self.reading = reading or Reading(lines=("Surname/Nom", "NOWAK", "Given names/Prenoms", "MINH",
                                                 NAME_LINE, DATA_LINE))
        self.calls = 0

    def read(self, page: Any) -> Reading:
        self.calls += 1
        return self.reading


@pytest.fixture()
def engine(monkeypatch):
    stand_in = StandInEngine()
    monkeypatch.setattr("chalicelib.core.ocr.engines.engine", lambda name=None: stand_in)
    return stand_in


@pytest.fixture()
def application(world):
    customer = world.customers["agent"]
    return world.client("agent").post("/api/applications/", {**APPLICATION, "customerId": customer.id},
                                      expect=201).json_body


def upload(world, name: str, fields: dict[str, str], files: dict | None = None, *, expect: int) -> Any:
    body, content_type = multipart(fields, files or {})
    return world.client(name).call("POST", "/api/documents/", headers={"Content-Type": content_type}, data=body,
                                   expect=expect)


def passport_upload(world, application: dict, data: bytes, *, name: str = "agent", filename: str = "scan.png",
                    expect: int = 202) -> Any:
    return upload(world, name, {"documentType": "passport", "applicationId": str(application["id"])},
                  {"file": (filename, "application/octet-stream", data)}, expect=expect)


def deliver(world, key: str) -> Any:
    """The object's S3 notification, through the uploads queue's Lambda handler."""
    from chalicelib.core.config import get_settings, using_settings

    with using_settings(world.app.crm_product.settings):
        settings = get_settings()
    event = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": settings.bucket}, "object": {"key": key.replace("/", "%2F", 0)}}}]})
    client = world.http.client
    return client.lambda_.invoke("uploads_worker", client.events.generate_sqs_event(
        [event], queue_name=settings.uploads_queue))


def key_of(document: dict) -> str:
    extension = ".pdf" if document["fileName"].endswith(".pdf") else ".png"
    return f"documents/{document['id']}/{document['ocrJobId']}{extension}"


def stored(world, key: str) -> bytes:
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings

    with using_settings(world.app.crm_product.settings):
        return aws.s3().get_object(Bucket=get_settings().bucket, Key=key)["Body"].read()


def test_a_passport_is_stored_read_and_shown_on_its_application(world, application, engine):
    data = page_bytes("pp00.png")
    document = passport_upload(world, application, data).json_body
    assert document["ocrStatus"] == "processing" and document["ocrJobId"].startswith("ocr_")
    assert (document["documentType"], document["fileName"], document["applicationId"]) == (
        "passport", "scan.png", application["id"])
    assert document["fileUrl"].startswith("http") and stored(world, key_of(document)) == data
    status = f"/api/ocr/status/{document['ocrJobId']}/"
    waiting = world.client("agent").get(status, expect=200).json_body
    assert waiting == {"jobId": document["ocrJobId"], "status": "processing", "progress": 0,
                       "message": "Waiting for OCR to start...", "data": None, "error": None}

    deliver(world, key_of(document))
    done = world.client("agent").get(status, expect=200).json_body
    assert done == {"jobId": document["ocrJobId"], "status": "complete", "progress": 100,
                    "message": "OCR completed successfully", "data": PASSPORT, "error": None}
    detail = world.client("staff").get(f"/api/applications/{application['id']}/", expect=200).json_body
    assert detail["documents"] == [{"id": document["id"], "documentType": "passport", "fileName": "scan.png",
                                    "uploadedAt": document["uploadedAt"], "ocrStatus": "complete",
                                    "ocrJobId": document["ocrJobId"]}]


def test_a_redelivered_event_does_not_run_the_job_again(world, application, engine):
    document = passport_upload(world, application, page_bytes("pp00.png")).json_body
    deliver(world, key_of(document))
    first = world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body
    engine.reading = Reading(lines=("garbage",))  # a second run would fail the job
    deliver(world, key_of(document))
    assert engine.calls == 1
    assert world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body == first


def test_a_job_held_by_another_delivery_is_left_for_later(world, application, engine):
    from chalicelib.core.config import using_settings
    from chalicelib.products.revisbali.documents import worker
    from chalicelib.products.revisbali.documents.models import ocr_job_model

    document = passport_upload(world, application, page_bytes("pp00.png")).json_body
    with using_settings(world.app.crm_product.settings):
        job = ocr_job_model().get(document["ocrJobId"])
        assert worker.claim(job)
        with pytest.raises(worker.JobBusy):
            worker.claim(ocr_job_model().get(document["ocrJobId"]))
        with pytest.raises(worker.JobBusy):
            worker.handle_object("bucket", key_of(document))
    assert engine.calls == 0
    progress = world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body
    assert (progress["status"], progress["message"], progress["progress"]) == (
        "processing", "Reading the document...", 25)


def test_names_that_disagree_complete_with_needs_review(world, application, engine):
    engine.reading = Reading(lines=("Surname/Nom", "NOVAK", "Given names/Prenoms", "MINH", NAME_LINE, DATA_LINE))
    document = passport_upload(world, application, page_bytes("pp00.png")).json_body
    deliver(world, key_of(document))
    done = world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body
    assert done["status"] == "complete" and done["message"] == "OCR completed; please check the names"
    assert done["data"]["lastName"] == "NOVAK" and done["data"]["needsReview"] is True
    assert "differ" in done["data"]["reviewReasons"][0]


@pytest.mark.parametrize(("data", "filename", "reason"), [
    (b"%PDF-1.7\n1 0 obj <<>> endobj trailer garbage", "broken.pdf", "damaged"),
    (_png()[:40] + b"\x00" * 30, "cut.png", "damaged"),
])
def test_a_damaged_file_ends_failed_with_a_clear_error(world, application, data, filename, reason):
    """The real page step and the real offline engine: nothing stands in."""
    document = passport_upload(world, application, data, filename=filename).json_body
    deliver(world, key_of(document))
    failed = world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body
    assert (failed["status"], failed["progress"], failed["message"], failed["data"]) == (
        "failed", 0, "OCR processing failed", None)
    assert reason in failed["error"] and failed["error"].endswith(".")


def test_a_page_without_an_mrz_fails_and_says_why(world, application, engine):
    engine.reading = Reading(lines=())
    document = passport_upload(world, application, _png(40, 40)).json_body
    deliver(world, key_of(document))
    failed = world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body
    assert failed["status"] == "failed" and failed["error"].startswith("Unable to detect text")
    detail = world.client("agent").get(f"/api/applications/{application['id']}/", expect=200).json_body
    assert detail["documents"][0]["ocrStatus"] == "failed"


def test_other_document_types_are_stored_without_ocr(world, application, engine):
    document = upload(world, "agent", {"documentType": "photo", "applicationId": str(application["id"])},
                      {"file": ("me.pdf", "application/pdf", page_bytes("pp04.pdf"))}, expect=202).json_body
    assert (document["ocrStatus"], document["ocrJobId"]) == ("not_applicable", None)
    deliver(world, f"documents/{document['id']}/file.pdf")  # its event finds no job: nothing happens
    assert engine.calls == 0
    detail = world.client("agent").get(f"/api/applications/{application['id']}/", expect=200).json_body
    assert detail["documents"][0]["ocrStatus"] == "not_applicable"


@pytest.mark.parametrize(("fields", "files", "field"), [
    ({"documentType": "passport"}, None, "file"),
    ({"documentType": "passport"}, {"file": ("a.png", "image/png", b"GIF89a not really a png")}, "file"),
    ({"documentType": "passport"}, {"file": ("a.png", "image/png", b"<svg/>")}, "file"),
    ({"documentType": "passport"}, {"file": ("bomb.png", "image/png", _png(20000, 20000)[:33])}, "file"),
    ({"documentType": "selfie"}, {"file": ("a.png", "image/png", _png())}, "documentType"),
    ({"documentType": "passport", "applicationId": "abc"}, {"file": ("a.png", "image/png", _png())},
     "applicationId"),
    ({"documentType": "passport", "applicationId": "\uff11"}, {"file": ("a.png", "image/png", _png())},
     "applicationId"),
    ({"documentType": "passport", "applicationId": "99999"}, {"file": ("a.png", "image/png", _png())},
     "applicationId"),
])
def test_bad_uploads_are_400_in_the_spec_shape(world, application, fields, files, field):
    fields = {"applicationId": str(application["id"]), **fields}
    answer = upload(world, "agent", fields, files, expect=400).json_body
    assert answer["code"] == "validation_error" and field in answer["errors"], answer


def test_size_and_content_type(world, application):
    big = _png() + b"\x00" * (5 * 1024 * 1024)
    answer = passport_upload(world, application, big, expect=413).json_body
    assert answer["code"] and "5 MB" in json.dumps(answer)
    world.client("agent").post("/api/documents/", {"documentType": "passport", "applicationId": application["id"]},
                               expect=415)


def test_file_names_are_shown_without_paths_or_control_characters(world, application, engine):
    document = passport_upload(world, application, _png(), filename="..\\..\\C:\\evil\u202egnp.exe\u0007.png").json_body
    assert document["fileName"] == "evilgnp.exe.png"


def test_another_agents_application_and_job_are_hidden(world, application, engine):
    document = passport_upload(world, application, _png()).json_body
    world.client("other_agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=404)
    world.client("admin").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200)
    answer = passport_upload(world, application, _png(), name="other_agent", expect=400).json_body
    assert "applicationId" in answer["errors"]
    for unknown in ("ocr_" + "0" * 32, "nope", "ocr_" + "f" * 3000):
        assert world.client("admin").get(f"/api/ocr/status/{unknown}/", expect=404).json_body["code"] == "not_found"


def test_no_token_is_401(world, application):
    body, content_type = multipart({"documentType": "passport", "applicationId": str(application["id"])},
                                   {"file": ("a.png", "image/png", _png())})
    world.http.as_(None).call("POST", "/api/documents/", headers={"Content-Type": content_type}, data=body,
                              expect=401)
    world.http.as_(None).get("/api/ocr/status/ocr_" + "0" * 32 + "/", expect=401)


@pytest.mark.ocr
def test_the_offline_engine_reads_an_uploaded_pdf(world, application):
    from chalicelib.core.ocr.engines import RapidOcrEngine

    document = passport_upload(world, application, page_bytes("pp01.pdf"), filename="passport.pdf").json_body
    assert RapidOcrEngine.name == "rapidocr"
    import chalicelib.core.ocr.engines as engines

    original = engines.engine
    engines.engine = lambda name=None: RapidOcrEngine()
    try:
        deliver(world, key_of(document))
    finally:
        engines.engine = original
    done = world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body
    assert done["status"] == "complete", done
    assert done["data"] == {"firstName": "PRIYA", "lastName": "MARTIN", "passportNumber": "BV1390996",
                            "dateOfBirth": "1953-04-02", "expiryDate": "2034-03-10", "nationality": "DEU",
                            "gender": "F", "needsReview": False, "reviewReasons": []}


def test_a_lease_that_ran_out_is_taken_over(world, application, engine):
    """A worker that died holding the job: the next delivery after its lease claims the job and ends it."""
    from datetime import timedelta

    from chalicelib.core.config import using_settings
    from chalicelib.core.db.base import utcnow
    from chalicelib.products.revisbali.documents import worker
    from chalicelib.products.revisbali.documents.models import ocr_job_model

    document = passport_upload(world, application, page_bytes("pp00.png")).json_body
    with using_settings(world.app.crm_product.settings):
        job = ocr_job_model().get(document["ocrJobId"])
        assert worker.claim(job)
        job.update(actions=[ocr_job_model().lease_until.set(utcnow() - timedelta(seconds=1))])
    deliver(world, key_of(document))
    assert engine.calls == 1
    done = world.client("agent").get(f"/api/ocr/status/{document['ocrJobId']}/", expect=200).json_body
    assert done["status"] == "complete"


def test_an_engine_that_cannot_run_is_retried_then_fails_the_job(world, application, engine):
    from chalicelib.core.config import get_settings, using_settings
    from chalicelib.core.ocr.engines import EngineError
    from chalicelib.products.revisbali.documents import worker

    def broken(page: Any) -> Reading:
        engine.calls += 1
        raise EngineError("Textract failed: InternalServerError")

    engine.read = broken
    document = passport_upload(world, application, page_bytes("pp00.png")).json_body
    status = f"/api/ocr/status/{document['ocrJobId']}/"
    with using_settings(world.app.crm_product.settings):
        bucket = get_settings().bucket
        with pytest.raises(EngineError):
            worker.handle_object(bucket, key_of(document))  # the message stays on the queue
        assert world.client("agent").get(status, expect=200).json_body["status"] == "processing"
        worker.handle_object(bucket, key_of(document), final_attempt=True)  # released: claimed again at once
    failed = world.client("agent").get(status, expect=200).json_body
    assert engine.calls == 2 and failed["status"] == "failed" and failed["error"] == worker.GAVE_UP
