"""A batch consumer in infra/: its event source mapping (ReportBatchItemFailures), and an IAM policy
that grants every call its code makes (recorded under moto) and polls its own queue only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.test_policy_calls import allowed, as_function
from tests.infra.test_policy_calls import recorder as recorder  # a fixture, re-exported

# Granted but not reached: powertools reads the item only when a conditional put loses without it.
NOT_EXERCISED = {"dynamodb:GetItem"}


def consumer_app(work: Any) -> Any:
    from chalice import Chalice

    from chalicelib.core.consumers import register_consumer

    app = Chalice(app_name="crm-coretest")
    register_consumer(app, work, name="otp_sender", queue="otp", batch_size=25, window_seconds=2)
    return app


def test_the_mapping_reports_batch_item_failures_from_the_consumers_queue():
    from chalicelib.core.consumers import consumers
    from chalicelib.core.product import Product, QueueSpec
    from infra.template import render

    app = consumer_app(lambda message: None)
    product = Product(slug="repaysync", api=type("A", (), {"renderer": staticmethod(lambda e: {"detail": str(e)})})(),
                      models=[], roles=(), admin_role="admin", queues=(QueueSpec("otp"),))
    resources = render(product, consumers(app))["Resources"]

    assert resources["OtpSenderEventSourceMapping"] == {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
        "FunctionName": {"Ref": "OtpSender"}, "EventSourceArn": {"Fn::GetAtt": ["OtpQueue", "Arn"]},
        "BatchSize": 25, "MaximumBatchingWindowInSeconds": 2, "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "Enabled": True}}
    assert "OtpSenderEventSourceMapping" not in render(product)["Resources"]


def test_a_consumer_polls_its_own_queue_and_writes_only_its_idempotency_items():
    from chalicelib.core.config import get_settings
    from infra.policy import Function, functions, policy_document

    settings = get_settings()
    fns = functions(consumer_app(lambda message: None))
    assert fns == [Function("api_handler", "api"), Function("otp_sender", "consumer", "otp")]
    statements = {s["Sid"]: s for s in policy_document(fns[1], settings)["Statement"]}
    assert statements["PollQueue"]["Resource"] == {"Fn::Sub": f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:"
                                                              f"${{AWS::AccountId}}:{settings.otp_queue}"}
    assert statements["Idempotency"]["Resource"]["Fn::Sub"].endswith(f":table/{settings.table_name('idempotency')}")
    assert set(statements) == {"OwnLogs", "Idempotency", "PollQueue"}


def test_a_lambda_function_that_is_not_a_consumer_needs_its_grants_declared():
    from chalice import Chalice

    from infra.policy import functions

    app = Chalice(app_name="crm-coretest")
    app.lambda_function(name="stray")(lambda event, context: None)
    with pytest.raises(ValueError, match="stray"):
        functions(app)


def test_every_call_a_consumer_makes_is_granted_and_every_grant_is_used(aws_mock, recorder):
    from chalicelib.core.config import get_settings
    from chalicelib.core.consumers import idempotency_model
    from chalicelib.core.db.tables import ensure_tables
    from infra.policy import functions, grants, policy_document
    from local.events import lambda_context, sqs_record

    aws_mock.reset()
    settings = get_settings()
    ensure_tables([idempotency_model(settings.product)])

    def work(message: Any) -> None:
        if message.payload.get("fail"):
            raise RuntimeError("no")

    app = consumer_app(work)

    def event(*bodies: dict[str, Any]) -> dict[str, Any]:
        return {"Records": [sqs_record({"MessageId": f"m-{i}", "ReceiptHandle": "r", "Body": json.dumps(body)},
                                       f"arn:aws:sqs:us-east-1:123456789012:{settings.otp_queue}", "us-east-1")
                            for i, body in enumerate(bodies)]}

    with as_function("otp_sender"):  # one success, one failure, then the success redelivered
        app.handler_map["otp_sender"](event({"n": 1}, {"fail": True}), lambda_context("otp_sender"))
        app.handler_map["otp_sender"](event({"n": 1}), lambda_context("otp_sender"))

    function = next(f for f in functions(app) if f.name == "otp_sender")
    document = policy_document(function, settings)
    assert [(a, arn) for label, a, arn in recorder if not allowed(document, a, arn, settings)] == []
    used = {action for _, action, _ in recorder}
    granted = {a for grant in grants(function, settings) if not grant.by_service for a in grant.actions}
    assert granted - used == NOT_EXERCISED
