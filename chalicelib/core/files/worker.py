"""The `uploads` queue handler: S3 event notifications dispatched by key prefix.

The bucket notifies the queue for `imports/` (this engine) and `documents/` (the OCR worker, added
with `dispatcher.add`). Batch size 1, and a failure raises: SQS redelivers the message and, after the
queue's max receive count, parks it in the DLQ. Handlers are idempotent, so redelivery is harmless.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import field
from typing import Any
from urllib.parse import unquote_plus

from chalicelib.core.config import get_settings, using_settings
from chalicelib.core.logs import correlated
from chalicelib.core.records import Record

logger = logging.getLogger("crm.uploads")

# handler(bucket, key, *, etag=None, final_attempt=False)
ObjectHandler = Callable[..., Any]


class S3Object(Record, frozen=True):
    bucket: str
    key: str
    etag: str | None


def s3_objects(body: str) -> list[S3Object]:
    """The created objects named by one S3 notification (keys arrive URL-encoded; test events hold none)."""
    message = json.loads(body)
    if not isinstance(message, dict) or message.get("Event") == "s3:TestEvent":
        return []
    objects = []
    for record in message.get("Records") or []:
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3") or {}
        obj = s3.get("object") or {}
        objects.append(S3Object(bucket=str((s3.get("bucket") or {}).get("name", "")),
                                key=unquote_plus(str(obj.get("key", ""))), etag=obj.get("eTag") or None))
    return objects


class UploadDispatcher(Record):
    """Key prefix -> object handler."""

    handlers: dict[str, ObjectHandler] = field(default_factory=dict)

    def add(self, prefix: str, handler: ObjectHandler) -> None:
        self.handlers[prefix] = handler

    def handler_for(self, key: str) -> ObjectHandler | None:
        for prefix in sorted(self.handlers, key=len, reverse=True):
            if key.startswith(prefix):
                return self.handlers[prefix]
        return None

    def dispatch(self, body: str, *, final_attempt: bool = False) -> None:
        for obj in s3_objects(body):
            handler = self.handler_for(obj.key)
            if handler is None:
                logger.warning("no handler for uploaded object %s; ignored", obj.key)
                continue
            handler(obj.bucket, obj.key, etag=obj.etag, final_attempt=final_attempt)


def _max_receives(product: Any) -> int:
    from chalicelib.core.resources import queues

    return next((queue.max_receive_count for queue in queues(product) if queue.key == "uploads"), 3)


def register_upload_worker(app: Any, engine: Callable[[], Any] | None = None, *,
                           handlers: dict[str, ObjectHandler] | None = None) -> UploadDispatcher:
    """Register the one `uploads` queue handler; `imports/` goes to `engine().handle_object` (the engine
    is built on the first object, so `import app` does not load it)."""
    dispatcher = UploadDispatcher()
    if engine is not None:
        dispatcher.add("imports/", lambda bucket, key, **options: engine().handle_object(bucket, key, **options))
    for prefix, handler in (handlers or {}).items():
        dispatcher.add(prefix, handler)
    product = getattr(app, "crm_product", None)
    max_receives = _max_receives(product)
    settings = getattr(product, "settings", None)

    @app.on_sqs_message(queue=get_settings().uploads_queue, batch_size=1, name="uploads_worker")
    def uploads_worker(event: Any) -> None:
        for record in event:
            raw = record.to_dict()
            attributes = raw.get("attributes") or {}
            receives = int(attributes.get("ApproximateReceiveCount") or 1)
            with using_settings(settings), correlated(raw.get("messageId")):  # lines carry the message id
                dispatcher.dispatch(record.body, final_attempt=receives >= max_receives)

    app.crm_upload_dispatcher = dispatcher
    return dispatcher
