"""RevisBali's OCR worker keeps to its IAM policy: with the Textract engine (botocore's Stubber:
moto has no AnalyzeID), every AWS call `uploads_worker` makes for a passport upload is granted by
.chalice/policy-revisbali-uploads-worker.json's statements, and Textract's grant is used."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from infra.policy import functions, policy_document
from tests.core.ocr.fixtures import page_bytes
from tests.infra.test_policy_calls import allowed, as_function, recorder  # noqa: F401 - the fixture
from tests.kit.app import app_fixture

revisbali = app_fixture("revisbali")
NAME_LINE, DATA_LINE = "P<AUSNOWAK<<MINH<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "XB18159080AUS6301031M3207039<<<<<<<<<<<<<<00"


@pytest.fixture()
def textract(monkeypatch):
    from chalicelib.core import aws
    from chalicelib.core.ocr.engines import TextractEngine

    client = aws.botocore_session().create_client("textract", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("analyze_id", {"IdentityDocuments": [{"DocumentIndex": 1, "IdentityDocumentFields": [
        {"Type": {"Text": "FIRST_NAME"}, "ValueDetection": {"Text": "MINH"}},
        {"Type": {"Text": "LAST_NAME"}, "ValueDetection": {"Text": "NOWAK"}},
        {"Type": {"Text": "MRZ_CODE"}, "ValueDetection": {"Text": f"{NAME_LINE}\n{DATA_LINE}"}}]}],
        "DocumentMetadata": {"Pages": 1}}, {"DocumentPages": ANY})
    monkeypatch.setattr("chalicelib.core.ocr.engines.engine", lambda name=None: TextractEngine(client))
    with stubber:
        yield stubber


def test_the_ocr_worker_calls_only_what_its_policy_grants(revisbali, recorder, textract):  # noqa: F811
    from chalice.test import Client

    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings
    from chalicelib.core.jobs.model import PENDING
    from chalicelib.products.revisbali.documents.models import KIND, ocr_job_model

    with using_settings(revisbali.crm_product.settings):
        settings = get_settings()
        job_id, key = "ocr_" + "a" * 32, "documents/7/ocr_" + "a" * 32 + ".pdf"
        ocr_job_model()(job_id, kind=KIND, product="revisbali", status=PENDING, total=4, document_id=7,
                        key=key).save()
        aws.s3().put_object(Bucket=settings.bucket, Key=key, Body=page_bytes("pp00.pdf"))
        event = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {
            "bucket": {"name": settings.bucket}, "object": {"key": key}}}]})
        with Client(revisbali) as client, as_function("uploads_worker"):
            client.lambda_.invoke("uploads_worker", client.events.generate_sqs_event(
                [event], queue_name=settings.uploads_queue))
        finished: Any = ocr_job_model().get(job_id)
    assert finished.status == "complete" and finished.result["data"]["passportNumber"] == "XB1815908"
    worker = next(function for function in functions(revisbali) if function.name == "uploads_worker")
    document = policy_document(worker, settings)
    calls = [(action, arn) for label, action, arn in recorder if label == "uploads_worker"]
    assert {action for action, _ in calls} >= {"textract:AnalyzeID", "s3:GetObject", "dynamodb:GetItem",
                                               "dynamodb:UpdateItem"}
    assert [(action, arn) for action, arn in calls if not allowed(document, action, arn, settings)] == []
