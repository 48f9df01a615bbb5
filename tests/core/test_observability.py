"""Correlation ids in every log line (HTTP, SQS, schedules) and the EMF metrics of logins and imports."""

from __future__ import annotations

import json
import logging

import pytest

from tests.core.logcapture import FakeLambdaContext, api_gateway_event, json_logs, metric_values

GOOD, BAD = "s3cret-pass", "wrong-pass"


@pytest.fixture(autouse=True)
def _cheap(cheap_passwords):
    """These tests are about what is logged and counted, not hashing."""


def login(core, password: str):
    return core.client.http.post("/api/token/", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"username": "alice", "password": password}).encode())


def test_logins_failures_and_lockouts_are_counted_per_product_and_stage(core_app, capsys):
    capsys.readouterr()
    assert login(core_app, GOOD).status_code == 200
    for _ in range(5):
        assert login(core_app, BAD).status_code == 401
    assert login(core_app, GOOD).status_code == 429
    out = capsys.readouterr().out
    succeeded = metric_values(out, "LoginSucceeded")
    assert [m["value"] for m in succeeded] == [1.0]
    assert succeeded[0]["unit"] == "Count" and succeeded[0]["namespace"] == "CRM"
    assert succeeded[0]["dimensions"] == {"product": "repaysync", "stage": "test"}
    assert [m["value"] for m in metric_values(out, "LoginFailed")] == [1.0] * 5
    assert [m["value"] for m in metric_values(out, "LockedOut")] == [1.0]
    assert "s3cret" not in out and "wrong-pass" not in out  # metrics never carry a secret


def test_a_metric_carries_the_requests_correlation_id(core_app, capsys):
    event = api_gateway_event("POST", "/api/token/", request_id="apigw-login-1",
                              headers={"content-type": "application/json"},
                              body=json.dumps({"username": "alice", "password": BAD}))
    capsys.readouterr()
    response = core_app.app(event, FakeLambdaContext())
    assert response["statusCode"] == 401
    assert [m["correlation_id"] for m in metric_values(capsys.readouterr().out, "LoginFailed")] == ["apigw-login-1"]


def test_every_line_of_a_request_carries_its_request_id(core_app):
    from chalicelib.core.api import Call

    log = logging.getLogger("crm.test")

    @core_app.product.api.route("/api/chatty/", ["GET"], public=True)
    def chatty(call: Call) -> dict[str, bool]:
        log.info("first")
        log.warning("second")
        return {"ok": True}

    from chalice import Chalice

    app = Chalice(app_name="chatty")
    core_app.product.api.attach(app, None)
    with json_logs() as lines:
        app(api_gateway_event("GET", "/api/chatty/", request_id="req-A"), FakeLambdaContext())
        app(api_gateway_event("GET", "/api/chatty/", request_id="req-B"), FakeLambdaContext())
    assert [(line["message"], line["correlation_id"]) for line in lines] == [
        ("first", "req-A"), ("second", "req-A"), ("first", "req-B"), ("second", "req-B")]
    assert all(line["service"] == "crm-coretest" for line in lines)


def test_a_consumers_lines_carry_each_records_message_id(aws_mock):
    from tests.core.test_consumers import consumer_app, invoke, record

    log = logging.getLogger("crm.test")

    class Work:
        def __call__(self, message):
            log.info("handling %s", message.payload["n"])
            if message.payload.get("fail"):
                raise RuntimeError("broken record")

    app = consumer_app(Work(), idempotent=False)
    with json_logs() as lines:
        invoke(app, [record({"n": 1}, "msg-1"), record({"n": 2, "fail": True}, "msg-2")])
    assert [(line["message"], line["correlation_id"]) for line in lines.with_message("handling")] == [
        ("handling 1", "msg-1"), ("handling 2", "msg-2")]
    failures = lines.with_message("failed")
    assert len(failures) == 1 and failures[0]["correlation_id"] == "msg-2"
    assert "broken record" in failures[0]["exception"]


def test_the_authorizer_logs_a_refusal_under_the_lambda_request_id(core_app):
    event = {"type": "TOKEN", "authorizationToken": "Bearer not-a-jwt",
             "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/api/GET/api/me"}
    with json_logs() as lines, pytest.raises(Exception, match="Unauthorized"):
        core_app.app.handler_map["jwt_authorizer"](event, FakeLambdaContext("auth-req-3"))
    refusals = lines.with_message("token refused")
    assert [(line["message"], line["correlation_id"]) for line in refusals] == [
        ("token refused: Token is invalid.", "auth-req-3")]
    assert "not-a-jwt" not in json.dumps(list(lines))


def test_powertools_metrics_disabled_mutes_every_metric(core_app, capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")  # as `make bench` sets it
    capsys.readouterr()
    assert login(core_app, GOOD).status_code == 200
    assert metric_values(capsys.readouterr().out, "LoginSucceeded") == []
