"""Batch consumers: partial-failure answers, idempotency on redelivery, and the embedded runner.

Each test builds a small Chalice app with one consumer on the stage's `otp` queue, under moto.
Handlers are invoked the way Lambda invokes them (an SQS event and a context), or through the
embedded runner (local/events.py) against moto's SQS, whose redrive policy parks a poison message
in the DLQ.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest


@pytest.fixture()
def stage(aws_mock) -> dict[str, str]:
    """Fresh queues (with DLQs) and the idempotency table; returns queue key -> URL."""
    from chalicelib.core.config import get_settings
    from chalicelib.core.consumers import idempotency_model
    from chalicelib.core.db.tables import ensure_tables
    from local.resources import create_buckets_and_queues

    aws_mock.reset()
    urls = create_buckets_and_queues()
    ensure_tables([idempotency_model(get_settings().product)])
    return urls


class Work:
    """A consumer's handler that records what it did and fails on `{"fail": true}` payloads."""

    def __init__(self) -> None:
        self.done: list[Any] = []
        self.crash_once: set[str] = set()

    def __call__(self, message: Any) -> None:
        payload = message.payload
        if payload.get("crash") and payload["crash"] not in self.crash_once:
            self.crash_once.add(payload["crash"])
            raise SystemExit("the Lambda runtime died mid-message")  # no except Exception catches it
        if payload.get("fail"):
            raise RuntimeError(f"cannot handle {payload['n']}")
        self.done.append(payload["n"])


def consumer_app(work: Work, **options: Any) -> Any:
    from chalice import Chalice

    from chalicelib.core.consumers import register_consumer

    app = Chalice(app_name="crm-coretest")
    register_consumer(app, work, name="otp_sender", queue="otp", **options)
    return app


def record(payload: Any, message_id: str | None = None, dedup_id: str | None = None,
           receive_count: int = 1) -> dict[str, Any]:
    from local.events import sqs_record

    attributes = {} if dedup_id is None else {"dedup-id": {"DataType": "String", "StringValue": dedup_id}}
    return sqs_record({"MessageId": message_id or str(uuid.uuid4()), "ReceiptHandle": "rh", "Body": json.dumps(payload),
                       "Attributes": {"ApproximateReceiveCount": str(receive_count)},
                       "MessageAttributes": attributes},
                      "arn:aws:sqs:us-east-1:123456789012:test-repaysync-otp", "us-east-1")


def invoke(app: Any, records: list[dict[str, Any]], timeout_seconds: int = 60) -> Any:
    from local.events import lambda_context

    return app.handler_map["otp_sender"]({"Records": records}, lambda_context("otp_sender", timeout_seconds))


def test_a_failed_record_is_the_only_one_reported_and_the_others_are_done(stage):
    work = Work()
    app = consumer_app(work)
    records = [record({"n": 1}, "m-1"), record({"n": 2, "fail": True}, "m-2"), record({"n": 3}, "m-3")]

    assert invoke(app, records) == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert work.done == [1, 3]


def test_a_redelivered_done_message_does_no_work_twice(stage):
    work = Work()
    app = consumer_app(work)
    batch = [record({"n": 1}, "m-1"), record({"n": 2}, "m-2")]

    assert invoke(app, batch) == {"batchItemFailures": []}
    assert invoke(app, [record({"n": 1}, "m-1", receive_count=2), record({"n": 3}, "m-3")]) == \
        {"batchItemFailures": []}
    assert work.done == [1, 2, 3]


def test_the_same_business_event_sent_twice_runs_once(stage):
    """Two messages (two SQS ids) with one dedup id, or one consumer key, are one piece of work."""
    work = Work()
    app = consumer_app(work, key=lambda message: f"otp#{message.payload['n']}")

    invoke(app, [record({"n": 1}, dedup_id="login-42"), record({"n": 2}, dedup_id="login-42")])
    invoke(app, [record({"n": 7}), record({"n": 7})])
    assert work.done == [1, 7]


def test_a_failed_message_runs_again_when_redelivered(stage):
    """When every record fails the handler raises (powertools' default: Lambda's error metric
    and the DLQ alarm see it) and the whole batch comes back, as it would with every id reported."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    work = Work()
    app = consumer_app(work)
    with pytest.raises(BatchProcessingError):
        invoke(app, [record({"n": 1, "fail": True}, "m-1")])

    work_fixed = Work()  # the bug is fixed before the retry: the failure left no "done" mark behind
    app_fixed = consumer_app(work_fixed)
    assert invoke(app_fixed, [record({"n": 1}, "m-1", receive_count=2)]) == {"batchItemFailures": []}
    assert work_fixed.done == [1]


def test_a_crashed_attempt_blocks_only_until_its_lease_ends(stage):
    """A Lambda that dies mid-message leaves the work INPROGRESS; a redelivery meanwhile fails (it
    comes back later), and once the dead invocation's time is up the next delivery does the work."""
    work = Work()
    app = consumer_app(work)
    with pytest.raises(SystemExit):
        invoke(app, [record({"n": 1, "crash": "c1"}, "m-1")], timeout_seconds=2)

    assert invoke(app, [record({"n": 1, "crash": "c1"}, "m-1", receive_count=2), record({"n": 2})]) == \
        {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    time.sleep(2.1)
    assert invoke(app, [record({"n": 1, "crash": "c1"}, "m-1", receive_count=3)]) == {"batchItemFailures": []}
    assert work.done == [2, 1]


def test_without_idempotency_every_delivery_runs():
    from chalice import Chalice

    from chalicelib.core.consumers import register_consumer

    work = Work()
    app = Chalice(app_name="crm-coretest")
    register_consumer(app, work, name="otp_sender", queue="otp", idempotent=False)
    invoke(app, [record({"n": 1}, "m-1")])
    invoke(app, [record({"n": 1}, "m-1")])
    assert work.done == [1, 1]


def test_a_consumer_is_a_lambda_function_app_py_exports_and_its_table_joins_the_product():
    from chalice import Chalice

    from chalicelib.core.app_factory import lambda_entry_points
    from chalicelib.core.consumers import ConsumerDef, consumers, idempotency_model, register_consumer
    from chalicelib.core.product import QueueSpec

    app = Chalice(app_name="crm-coretest")
    app.crm_product = type("P", (), {"slug": "repaysync", "models": [], "queues": (QueueSpec("otp"),)})()
    register_consumer(app, Work(), name="otp_sender", queue="otp", batch_size=50, window_seconds=5)
    assert consumers(app) == [ConsumerDef("otp_sender", "otp", 50, 5)]
    assert set(lambda_entry_points(app)) == {"otp_sender"}
    assert app.crm_product.models == [idempotency_model("repaysync")]
    with pytest.raises(ValueError, match="not one of the product's queues"):
        register_consumer(app, Work(), name="other", queue="nope")
    with pytest.raises(ValueError, match="registered twice"):
        register_consumer(app, Work(), name="otp_sender", queue="otp")


# -- the embedded runner ------------------------------------------------------------------------

def runner_for(app: Any) -> Any:
    from chalicelib.core import aws
    from local.events import QueueRunner, Timing, sqs_bindings

    binding = next(b for b in sqs_bindings(app) if b.handler_name == "otp_sender")
    assert binding.partial and binding.batch_size == 10
    said: list[str] = []
    runner = QueueRunner(app, binding, aws.sqs(), "us-east-1", Timing(poll_seconds=0, retry_seconds=0), said.append)
    runner.said = said
    return runner


def receive(runner: Any) -> list[dict[str, Any]]:
    return runner.sqs.receive_message(QueueUrl=runner.url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                      VisibilityTimeout=30, MessageSystemAttributeNames=["All"],
                                      MessageAttributeNames=["All"]).get("Messages", [])


def test_the_runner_deletes_successes_redelivers_the_failure_and_parks_a_poison_message(stage):
    from chalicelib.core import aws, queues
    from chalicelib.core.resources import queues as queue_defs

    work = Work()
    runner = runner_for(consumer_app(work))
    queues.send_batch("otp", [{"n": 1}, {"n": 2, "fail": True}, {"n": 3}])

    assert runner.handle(receive(runner)) is False
    assert sorted(work.done) == [1, 3]
    max_receives = next(q.max_receive_count for q in queue_defs() if q.key == "otp")
    for _ in range(max_receives - 1):  # the failure alone comes back, until its last delivery
        batch = receive(runner)
        assert [json.loads(m["Body"]) for m in batch] == [{"n": 2, "fail": True}]
        assert runner.handle(batch) is False
    assert receive(runner) == []  # one receive more than maxReceiveCount: moto moves it to the DLQ
    parked = aws.sqs().receive_message(QueueUrl=stage["otp-dlq"], MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"]) for m in parked] == [{"n": 2, "fail": True}]
    assert sorted(work.done) == [1, 3]


def test_the_runner_passes_the_dedup_id_so_a_repeated_send_runs_once(stage):
    from chalicelib.core import queues

    work = Work()
    runner = runner_for(consumer_app(work))
    queues.send("otp", {"n": 1}, dedup_id="otp-for-login-9")
    queues.send("otp", {"n": 1}, dedup_id="otp-for-login-9")
    assert runner.handle(receive(runner)) is True
    assert work.done == [1]
    assert receive(runner) == []


def test_a_malformed_answer_fails_the_whole_batch(stage):
    from local.events import failed_ids

    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, ["a", "b"]) == {"a"}
    assert failed_ids({"batchItemFailures": []}, ["a"]) == set()
    assert failed_ids(None, ["a"]) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ["a"]) is None
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ["a"]) is None
    assert failed_ids("ok", ["a"]) is None
