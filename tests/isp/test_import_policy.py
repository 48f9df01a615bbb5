"""The uploads worker's IAM policy covers every AWS call an ISP import from the bucket makes (customers
created by bill rows, the owner's role rights, search terms), and no import call goes ungranted."""

from __future__ import annotations

import json

from infra.policy import functions, policy_document
from tests.infra.test_policy_calls import allowed, as_function, recorder  # noqa: F401 - recorder is a fixture
from tests.isp.conftest import RECORDS, WORLD
from tests.isp.test_imports import BILL_HEADER, CUSTOMER_HEADER, lines
from tests.kit.world import world_fixture

world = world_fixture(WORLD.with_records(*RECORDS))


def test_the_uploads_worker_is_granted_what_an_isp_import_does(world, recorder):  # noqa: F811
    from chalice.test import Client

    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings
    from chalicelib.products.isp.services.roles import RIGHTS

    manager = world.client("manager")
    tickets = [manager.post("/api/imports/presign/", {"import_type": kind, "filename": f"{kind}.csv"},
                            expect=201).json_body for kind in ("customers", "bills")]
    files = [lines(CUSTOMER_HEADER, "Bucket Co,,c0@acme.com,,,,,,", "New Co,,new@example.com,,,,,,"),
             lines(BILL_HEADER, "c0@acme.com,,CAP,,2025-11-30,1,10,,,,,,,,",
                   "fresh@example.com,Fresh,CAP,,2025-11-30,1,10,,,,,,,,")]
    RIGHTS.forget()  # a cold worker reads the role's rights itself
    with using_settings(world.app.crm_product.settings):
        settings = get_settings()
        with Client(world.app) as client:
            for ticket, body in zip(tickets, files, strict=True):
                aws.s3().put_object(Bucket=settings.bucket, Key=ticket["key"], Body=body)
                event = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {
                    "bucket": {"name": settings.bucket}, "object": {"key": ticket["key"]}}}]})
                with as_function("uploads_worker"):
                    client.lambda_.invoke("uploads_worker", client.events.generate_sqs_event(
                        [event], queue_name=settings.uploads_queue))
        worker = next(function for function in functions(world.app) if function.name == "uploads_worker")
        document = policy_document(worker, settings)
        denied = [(action, arn) for label, action, arn in recorder if not allowed(document, action, arn, settings)]
    assert {action for _, action, _ in recorder} >= {"dynamodb:Query", "dynamodb:BatchWriteItem", "s3:GetObject"}
    assert denied == []
    for ticket in tickets:
        assert manager.get(f"/api/imports/{ticket['job_id']}/", expect=200).json_body["status"] == "complete"
