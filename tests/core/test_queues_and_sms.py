"""The queue sender and the SMS notifier, against moto."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest


@pytest.fixture()
def stage(aws_mock) -> dict[str, str]:
    from local.resources import create_buckets_and_queues

    aws_mock.reset()
    return create_buckets_and_queues()


def drain(url: str) -> list[dict[str, Any]]:
    from chalicelib.core import aws

    found: list[dict[str, Any]] = []
    while True:
        batch = aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                          VisibilityTimeout=60).get("Messages", [])
        if not batch:
            return found
        found += batch


def test_send_puts_json_on_the_named_queue_with_its_dedup_id(stage):
    from chalicelib.core import queues

    message_id = queues.send("assignment", {"loan": 7, "amount": "10.50"}, dedup_id="assign-7")
    messages = drain(stage["assignment"])
    assert [m["MessageId"] for m in messages] == [message_id]
    assert json.loads(messages[0]["Body"]) == {"loan": 7, "amount": "10.50"}
    assert messages[0]["MessageAttributes"]["dedup-id"]["StringValue"] == "assign-7"
    assert drain(stage["otp"]) == []


def test_send_batch_sends_ten_per_call_in_order(stage, monkeypatch):
    from chalicelib.core import aws, queues

    client = aws.sqs()
    calls: list[int] = []
    real = client.send_message_batch
    monkeypatch.setattr(client, "send_message_batch",
                        lambda **kw: calls.append(len(kw["Entries"])) or real(**kw))
    ids = queues.send_batch("otp", [{"n": n} for n in range(23)])

    assert calls == [10, 10, 3]
    messages = {m["MessageId"]: json.loads(m["Body"]) for m in drain(stage["otp"])}
    assert [messages[i] for i in ids] == [{"n": n} for n in range(23)]
    assert queues.send_batch("otp", []) == []


def test_send_batch_retries_what_sqs_failed_and_raises_what_the_sender_got_wrong(stage, monkeypatch):
    from chalicelib.core import aws, queues

    client = aws.sqs()
    real = client.send_message_batch
    attempts: list[list[str]] = []

    def flaky(**kw: Any) -> dict[str, Any]:
        attempts.append([e["Id"] for e in kw["Entries"]])
        if len(attempts) == 1:  # SQS fails entry 1 on its side once, and rejects entry 2 for good
            keep = [e for e in kw["Entries"] if e["Id"] == "0"]
            response = real(QueueUrl=kw["QueueUrl"], Entries=keep)
            response["Failed"] = [{"Id": "1", "Code": "InternalError", "SenderFault": False},
                                  {"Id": "2", "Code": "InvalidMessageContents", "SenderFault": True}]
            return response
        return real(**kw)

    monkeypatch.setattr(client, "send_message_batch", flaky)
    with pytest.raises(queues.SendFailed) as raised:
        queues.send_batch("otp", [{"n": 0}, {"n": 1}, {"n": 2}], retry_delay=0)

    assert attempts == [["0", "1", "2"], ["1"]]
    assert [e["Id"] for e in raised.value.failed] == ["2"]
    assert sorted(json.loads(m["Body"])["n"] for m in drain(stage["otp"])) == [0, 1]


def test_send_batch_gives_up_after_its_retries(stage, monkeypatch):
    from chalicelib.core import aws, queues

    client = aws.sqs()
    monkeypatch.setattr(client, "send_message_batch", lambda **kw: {
        "Successful": [], "Failed": [{"Id": e["Id"], "Code": "ServiceUnavailable", "SenderFault": False}
                                     for e in kw["Entries"]]})
    with pytest.raises(queues.SendFailed, match="1 message"):
        queues.send_batch("otp", [{"n": 0}], retry_delay=0)


def test_sms_is_published_to_the_phone_and_its_text_never_logged(aws_mock, caplog):
    from moto.backends import get_backend

    from chalicelib.core.sms import SmsNotifier, mask_phone
    from local.sms import SmsLog

    aws_mock.reset()
    caplog.set_level(logging.INFO, logger="crm.sms")
    logger = logging.getLogger("crm.sms")
    logger.addHandler(caplog.handler)  # "crm" may not propagate to the root (core.logs)
    try:
        message_id = SmsNotifier().send("+919876543210", "Your RepaySync code is 482913")
    finally:
        logger.removeHandler(caplog.handler)

    sent = get_backend("sns")["123456789012"]["us-east-1"].sms_messages
    assert sent[message_id] == ("+919876543210", "Your RepaySync code is 482913")
    assert "482913" not in caplog.text and "9876543210" not in caplog.text
    assert mask_phone("+919876543210") == "+91*******210"
    assert message_id in caplog.text and "+91*******210" in caplog.text

    said: list[str] = []
    watcher = SmsLog(said.append)
    watcher._seen.discard(message_id)  # the embedded stack's log shows SMS sent after it started
    watcher.flush()
    assert said == ["SMS to +919876543210: Your RepaySync code is 482913"]


def test_sms_refuses_a_number_that_is_not_e164():
    from chalicelib.core.sms import SmsNotifier

    with pytest.raises(ValueError, match=r"E\.164"):
        SmsNotifier().send("9876543210", "hi")
