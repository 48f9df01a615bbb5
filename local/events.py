"""Runs an app's SQS and schedule handlers the way Lambda would (`chalice local` runs neither).

One thread per queue long-polls it, hands the handler a Lambda-shaped SQS event, deletes the
messages when the handler returns and leaves them when it raises: the message comes back after a
short visibility timeout, and after the queue's maxReceiveCount deliveries moto's redrive policy
parks it in the DLQ, as in AWS. Batch consumers (`chalicelib.core.consumers`, an event source
mapping with ReportBatchItemFailures in AWS) answer `batchItemFailures`: the messages named there
come back, the others are deleted; an answer naming an unknown or empty id fails the whole batch,
as Lambda treats it.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _int_env(name: str, default: int) -> int:
    import os

    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


@dataclass(frozen=True)
class Timing:
    """Knobs the tests shorten: long-poll wait, visibility while handling, delay before a retry."""

    poll_seconds: int = 2
    visibility_seconds: int = 60
    retry_seconds: int = 5

    @classmethod
    def from_env(cls) -> Timing:
        return cls(poll_seconds=_int_env("CRM_LOCAL_POLL_SECONDS", 2),
                   visibility_seconds=_int_env("CRM_LOCAL_VISIBILITY_SECONDS", 60),
                   retry_seconds=_int_env("CRM_LOCAL_RETRY_SECONDS", 5))


def lambda_context(name: str, timeout_seconds: int = 900) -> Any:
    from chalice.local import LambdaContext

    return LambdaContext(function_name=name, memory_size=1024, max_runtime_ms=timeout_seconds * 1000)


def _lambda_message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """ReceiveMessage's `{"StringValue", "DataType"}` -> the event's `{"stringValue", "dataType", ...}`."""
    converted = {}
    for name, value in attributes.items():
        entry: dict[str, Any] = {"dataType": value.get("DataType", "String"), "stringListValues": [],
                                 "binaryListValues": []}
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            import base64

            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        converted[name] = entry
    return converted


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One `Records[]` entry as Lambda's SQS event source builds it."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attributes.get("SenderId", "local"),
            "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp",
                                                               str(int(time.time() * 1000))),
        },
        "messageAttributes": _lambda_message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def scheduled_event(rule_name: str, region: str, account: str = "123456789012") -> dict[str, Any]:
    """An EventBridge "Scheduled Event", as a rule target receives it."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": account, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule_name}"], "detail": {},
    }


@dataclass(frozen=True)
class QueueBinding:
    handler_name: str
    queue: str
    batch_size: int
    partial: bool = False  # the handler answers batchItemFailures (a core consumer)


def sqs_bindings(app: Any) -> list[QueueBinding]:
    """Chalice's `on_sqs_message` handlers and the core batch consumers of `app`."""
    from chalice.app import SQSEventConfig

    from chalicelib.core.config import get_settings
    from chalicelib.core.consumers import consumers

    bindings = []
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            queue = source.queue or (source.queue_arn or "").rsplit(":", 1)[-1]
            bindings.append(QueueBinding(source.name, queue, max(1, min(int(source.batch_size or 1), 10))))
    for consumer in consumers(app):  # one ReceiveMessage takes at most 10; Lambda's batches may be bigger
        bindings.append(QueueBinding(consumer.name, get_settings().queue_name(consumer.queue),
                                     min(consumer.batch_size, 10), partial=True))
    return bindings


def failed_ids(response: Any, message_ids: list[str]) -> set[str] | None:
    """The message ids a partial-batch answer names; None when the answer is malformed (Lambda then
    retries the whole batch)."""
    if response is None:
        return set()
    if not isinstance(response, dict):
        return None
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    ids = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in message_ids:
            return None
        ids.add(identifier)
    return ids


def schedule_expressions(app: Any) -> dict[str, str]:
    """handler name -> rate/cron expression, for every `@app.schedule` handler."""
    from chalice.app import ScheduledEventConfig

    found = {}
    for source in app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            found[source.name] = expression if isinstance(expression, str) else expression.to_string()
    return found


class QueueRunner(threading.Thread):
    def __init__(self, app: Any, binding: QueueBinding, sqs: Any, region: str, timing: Timing,
                 say: Callable[[str], None]) -> None:
        super().__init__(name=f"sqs-{binding.queue}", daemon=True)
        self.app = app
        self.binding = binding
        self.sqs = sqs
        self.region = region
        self.timing = timing
        self.say = say
        self._halt = threading.Event()
        self.url = sqs.get_queue_url(QueueName=binding.queue)["QueueUrl"]
        self.arn = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.url, MaxNumberOfMessages=self.binding.batch_size,
                    WaitTimeSeconds=self.timing.poll_seconds, VisibilityTimeout=self.timing.visibility_seconds,
                    MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            except Exception as exc:
                if self._halt.is_set():
                    return
                self.say(f"{self.binding.queue}: receive failed ({exc.__class__.__name__}: {exc}); retrying")
                self._halt.wait(1.0)
                continue
            if messages:
                self.handle(messages)

    def handle(self, messages: list[dict[str, Any]]) -> bool:
        """Run the handler on one batch; True when every message succeeded (and was deleted)."""
        event = {"Records": [sqs_record(m, self.arn, self.region) for m in messages]}
        handler = self.app.handler_map[self.binding.handler_name]
        try:
            response = handler(event, lambda_context(self.binding.handler_name))
        except Exception:
            self._retry(messages, traceback.format_exc().rstrip())
            return False
        failed = failed_ids(response, [m["MessageId"] for m in messages]) if self.binding.partial else set()
        if failed is None:
            self._retry(messages, f"malformed batchItemFailures answer: {response!r}")
            return False
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
            self.say(f"{self.binding.queue}: {self.binding.handler_name} handled message(s) {self._ids(done)}")
        if failed:
            self._retry([m for m in messages if m["MessageId"] in failed], "reported in batchItemFailures")
        return not failed

    @staticmethod
    def _ids(messages: list[dict[str, Any]]) -> str:
        return ", ".join(m["MessageId"][:8] for m in messages)

    def _retry(self, messages: list[dict[str, Any]], why: str) -> None:
        """Make the messages visible again soon; after maxReceiveCount deliveries SQS parks them in the DLQ."""
        counts = [m.get("Attributes", {}).get("ApproximateReceiveCount", "?") for m in messages]
        self.say(f"{self.binding.queue}: {self.binding.handler_name} failed on message(s) {self._ids(messages)} "
                 f"(delivery {', '.join(counts)}); retry in {self.timing.retry_seconds}s, "
                 f"then the DLQ:\n{why}")
        for message in messages:
            with contextlib.suppress(Exception):  # it comes back after the visibility timeout anyway
                self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"],
                                                   VisibilityTimeout=self.timing.retry_seconds)
