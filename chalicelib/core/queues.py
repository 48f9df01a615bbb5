"""Putting work on the stage's queues: one JSON message (`send`) or many (`send_batch`).

Queues are named by key (`uploads`, `otp`, `assignment`; `Settings.queue_name` maps a key to the
stage's queue). The SQS client is built on first use, once per process (`core.aws`). A `dedup_id`
travels as the message attribute `dedup-id`; a consumer (`core.consumers`) takes it as the
idempotency key, so the same business event sent twice (a retried request, a re-run schedule) is
processed once, and so is a redelivered message. Our queues are standard queues: SQS itself does
not deduplicate.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from typing import Any

from chalicelib.core import aws

logger = logging.getLogger("crm.queues")

DEDUP_ATTRIBUTE = "dedup-id"
BATCH_ENTRIES = 10  # SendMessageBatch's limit
BATCH_BYTES = 256 * 1024  # a batch's total payload limit (also one message's)
RETRIES = 3  # further attempts for entries SQS failed on its side (SenderFault false)


class SendFailed(RuntimeError):
    """Some messages were not accepted; `failed` holds SQS's entries (Id, Code, Message, SenderFault)."""

    def __init__(self, queue: str, failed: list[dict[str, Any]]) -> None:
        codes = ", ".join(sorted({str(entry.get("Code")) for entry in failed}))
        super().__init__(f"{len(failed)} message(s) not sent to {queue}: {codes}")
        self.queue = queue
        self.failed = failed


def _body(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str, ensure_ascii=False)


def _attributes(dedup_id: str | None) -> dict[str, Any]:
    if dedup_id is None:
        return {}
    if not dedup_id:
        raise ValueError("dedup_id must not be empty")
    return {DEDUP_ATTRIBUTE: {"DataType": "String", "StringValue": dedup_id}}


def send(queue: str, payload: Any, *, dedup_id: str | None = None, delay_seconds: int = 0) -> str:
    """Send `payload` as JSON to the stage's queue `queue`; returns the message id."""
    body = _body(payload)
    response = aws.sqs().send_message(QueueUrl=aws.queue_url(queue), MessageBody=body,
                                      DelaySeconds=delay_seconds, MessageAttributes=_attributes(dedup_id))
    logger.info("sent message %s to %s", response["MessageId"], queue)
    return str(response["MessageId"])


def _chunks(entries: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """At most 10 entries and 256 KiB of bodies per SendMessageBatch."""
    chunk: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        entry_size = len(entry["MessageBody"].encode())
        if entry_size > BATCH_BYTES:
            raise ValueError(f"message {entry['Id']} is {entry_size} bytes; SQS takes at most {BATCH_BYTES}")
        if chunk and (len(chunk) == BATCH_ENTRIES or size + entry_size > BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(entry)
        size += entry_size
    if chunk:
        yield chunk


def send_batch(queue: str, payloads: Iterable[Any], *, dedup_ids: Iterable[str | None] | None = None,
               retry_delay: float = 0.2) -> list[str]:
    """Send every payload (10 per SendMessageBatch); returns the message ids in payload order.

    Entries SQS failed on its side are sent again (up to `RETRIES` times, with a growing pause); an
    entry rejected as the sender's fault, or still failing, raises `SendFailed` naming them all (the
    others were sent: a caller that retries should pass `dedup_ids` so consumers skip repeats).
    """
    bodies = [_body(payload) for payload in payloads]
    keys = list(dedup_ids) if dedup_ids is not None else [None] * len(bodies)
    if len(keys) != len(bodies):
        raise ValueError("dedup_ids must match payloads one to one")
    entries = [{"Id": str(index), "MessageBody": body, "MessageAttributes": _attributes(key)}
               for index, (body, key) in enumerate(zip(bodies, keys, strict=True))]
    ids: dict[str, str] = {}
    failed: list[dict[str, Any]] = []
    url = aws.queue_url(queue) if entries else ""
    for chunk in _chunks(entries):
        pending = chunk
        for attempt in range(RETRIES + 1):
            response = aws.sqs().send_message_batch(QueueUrl=url, Entries=pending)
            ids.update({ok["Id"]: ok["MessageId"] for ok in response.get("Successful", [])})
            errors = response.get("Failed", [])
            retryable = {e["Id"] for e in errors if not e.get("SenderFault")}
            failed += [e for e in errors if e.get("SenderFault")]
            pending = [entry for entry in pending if entry["Id"] in retryable]
            if not pending:
                break
            if attempt == RETRIES:
                failed += [e for e in errors if e["Id"] in retryable]
                break
            time.sleep(retry_delay * (attempt + 1))
    if failed:
        raise SendFailed(queue, failed)
    logger.info("sent %d message(s) to %s", len(ids), queue)
    return [ids[str(index)] for index in range(len(entries))]
