"""SQS consumers that take batches, report partial failures and do each piece of work once.

Why not `@app.on_sqs_message`: Chalice's SQS handler cannot return `batchItemFailures`, so one bad
message in a batch would send the whole batch back (and its good messages would run again). A
consumer is therefore an `@app.lambda_function` whose body is powertools' `BatchProcessor`
(`process_partial_response`): each record runs alone, and the response names the failed ones.
infra/ declares the function's `AWS::Lambda::EventSourceMapping` (`ReportBatchItemFailures`) and
its IAM; local/events.py feeds it the same way in the embedded stack (it deletes the successes and
leaves the failures, which come back and, after the queue's maxReceiveCount, park in the DLQ).

Idempotency (redelivery, or the same business event sent twice): powertools' idempotency utility
with its DynamoDB persistence layer, on the product's `idempotency` table (declared here as a
pynamodb model, so infra/ and the embedded stack create it from the same table spec as every other
table). Chosen over a hand-written guard because it already does what a guard needs: a conditional
put of an INPROGRESS item, COMPLETED on success, the item deleted when the work raises (so the retry
runs), an in-progress lease that ends with the invocation's remaining time (a crashed or timed-out
attempt is retried by the next delivery, not blocked), and TTL expiry. The key is the message's
`dedup-id` attribute when the sender gave one (`core.queues.send(..., dedup_id=)`), else a key the
consumer computes from the message (`key=`), else the SQS message id; it is hashed under the prefix
`<product>.<consumer>`, so consumers never share keys. A record that meets another delivery of itself
still in progress fails and comes back later.

Cold start: `aws_lambda_powertools.utilities.batch` costs ~100 ms to import (it pulls powertools'
parser models) and the idempotency package ~5 ms; both are imported inside the handler, so the API
and the authorizer, which import the same app.py, never pay for them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import field
from functools import cache, cached_property
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.config import using_settings
from chalicelib.core.db.base import meta
from chalicelib.core.logs import correlated
from chalicelib.core.records import Record

logger = logging.getLogger("crm.consumers")

DEDUP_ATTRIBUTE = "dedup-id"  # the same name core.queues writes
DEFAULT_IDEMPOTENCY_SECONDS = 24 * 3600  # a done message is skipped when redelivered within this window


@cache
def idempotency_model(product: str) -> type[Model]:
    """The idempotency table in powertools' layout (`id` key, `expiration` epoch seconds as TTL).
    powertools writes the items itself; the model gives infra/ and the embedded stack the table
    spec and the TTL attribute, and lets tests read the items."""
    from pynamodb.attributes import TTLAttribute

    class IdempotencyRecord(Model):
        """One piece of consumer work: INPROGRESS (with a lease) or COMPLETED, until it expires."""

        Meta = meta("idempotency", product)
        id = UnicodeAttribute(hash_key=True)
        status = UnicodeAttribute(null=True)
        expiration = TTLAttribute(null=True)
        in_progress_expiration = NumberAttribute(null=True)  # epoch milliseconds

    IdempotencyRecord.__name__ = f"{product.title()}IdempotencyRecord"
    return IdempotencyRecord


class Message(Record, frozen=True):
    """One SQS record as a consumer sees it (Lambda's record shape, decoded)."""

    message_id: str
    body: str
    receive_count: int
    attributes: dict[str, Any] = field(default_factory=dict)
    message_attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        attributes = record.get("attributes") or {}
        return cls(message_id=str(record["messageId"]), body=str(record.get("body") or ""),
                   receive_count=int(attributes.get("ApproximateReceiveCount") or 1),
                   attributes=dict(attributes), message_attributes=dict(record.get("messageAttributes") or {}))

    @cached_property
    def payload(self) -> Any:
        """The body as JSON (what core.queues sends); raises ValueError when it is not JSON."""
        return json.loads(self.body)

    @property
    def dedup_id(self) -> str | None:
        value = self.message_attributes.get(DEDUP_ATTRIBUTE) or {}
        return value.get("stringValue") or value.get("StringValue") or None


Handler = Callable[[Message], Any]


class ConsumerDef(Record, frozen=True):
    """What infra/ and the embedded runner need to know about a consumer."""

    name: str  # the Lambda function's name in Chalice (and app.py's module-level handler name)
    queue: str  # the queue's key: uploads, otp, assignment
    batch_size: int = 10
    window_seconds: int = 1  # MaximumBatchingWindowInSeconds: wait up to this long to fill a batch
    idempotent: bool = True
    idempotency_seconds: int = DEFAULT_IDEMPOTENCY_SECONDS


def consumers(app: Any) -> list[ConsumerDef]:
    """The consumers registered on `app` (infra/ and local/events.py read them)."""
    return list(getattr(app, "crm_consumers", {}).values())


class _Guard:
    """powertools' idempotent wrapper around one consumer's handler, built on first use (it makes
    a DynamoDB client; our lazily built one is shared)."""

    def __init__(self, product: str, definition: ConsumerDef, handler: Handler) -> None:
        self.product = product
        self.definition = definition
        self.handler = handler
        self._built: tuple[Any, Callable[..., Any]] | None = None
        self._lock = threading.Lock()

    def build(self) -> tuple[Any, Callable[..., Any]]:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    from aws_lambda_powertools.utilities.idempotency import (
                        DynamoDBPersistenceLayer,
                        IdempotencyConfig,
                        idempotent_function,
                    )

                    from chalicelib.core import aws

                    store = DynamoDBPersistenceLayer(table_name=idempotency_model(self.product).Meta.table_name,
                                                     boto3_client=aws.client("dynamodb"))
                    config = IdempotencyConfig(event_key_jmespath="key", raise_on_no_idempotency_key=True,
                                               expires_after_seconds=self.definition.idempotency_seconds)
                    handler = self.handler

                    def run(work: dict[str, Any]) -> None:
                        handler(Message.from_record(work["record"]))

                    guarded = idempotent_function(run, data_keyword_argument="work", config=config,
                                                  persistence_store=store,
                                                  key_prefix=f"{self.product}.{self.definition.name}")
                    self._built = (config, guarded)
        return self._built


def register_consumer(app: Any, handler: Handler, *, name: str, queue: str, batch_size: int = 10,
                      window_seconds: int = 1, idempotent: bool = True,
                      idempotency_seconds: int = DEFAULT_IDEMPOTENCY_SECONDS,
                      key: Callable[[Message], str] | None = None) -> ConsumerDef:
    """Register `handler(message)` as the consumer `name` of the stage's queue `queue`.

    `handler` raises to fail its message (only that one comes back). `key(message)` names the
    business event when the sender gives no `dedup_id` (default: the SQS message id). The product's
    idempotency table joins its models, so infra/ and the embedded stack create it.
    """
    from chalicelib.core.resources import queues

    product = getattr(app, "crm_product", None)
    if queue not in {q.key for q in queues(product)}:
        raise ValueError(f"{name}: {queue!r} is not one of the product's queues (Product.queues)")
    if not 1 <= batch_size <= 10_000 or not 0 <= window_seconds <= 300:
        raise ValueError(f"{name}: batch_size 1..10000 and window_seconds 0..300")
    if batch_size > 10 and window_seconds < 1:
        raise ValueError(f"{name}: a batch over 10 needs window_seconds >= 1 (an SQS mapping rule)")
    definition = ConsumerDef(name=name, queue=queue, batch_size=batch_size, window_seconds=window_seconds,
                             idempotent=idempotent, idempotency_seconds=idempotency_seconds)
    settings = getattr(product, "settings", None)
    if product is not None:
        slug = product.slug
    else:
        from chalicelib.core.config import get_settings

        slug = get_settings().product
    guard = _Guard(slug, definition, handler) if idempotent else None
    if guard is not None and product is not None:
        model = idempotency_model(slug)
        if model not in product.models:
            product.models.append(model)

    def record_handler(record: Any) -> None:
        raw = record.raw_event
        message = Message.from_record(raw)
        with using_settings(settings), correlated(message.message_id):  # lines carry the message id
            run_record(message, raw)

    def run_record(message: Message, raw: dict[str, Any]) -> None:
        try:
            if guard is None:
                handler(message)
                return
            _, guarded = guard.build()
            work_key = message.dedup_id or (key(message) if key is not None else message.message_id)
            guarded(work={"key": work_key, "record": raw})
        except Exception as exc:
            if type(exc).__name__ == "IdempotencyAlreadyInProgressError":
                logger.warning("%s: message %s is being handled by another delivery; it comes back later",
                               name, message.message_id)
            else:
                logger.exception("%s: message %s failed (delivery %d)", name, message.message_id,
                                 message.receive_count)
            raise

    def consumer_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with using_settings(settings):
            return process_batch(event, context)

    def process_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        if guard is not None and context is not None and hasattr(context, "get_remaining_time_in_millis"):
            config, _ = guard.build()
            config.register_lambda_context(context)  # the in-progress lease ends with this invocation
        processor = BatchProcessor(event_type=EventType.SQS)
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)

    # Chalice writes the Handler as `app.<function __name__>`: app.py exports it under the consumer's name
    consumer_handler.__name__ = consumer_handler.__qualname__ = name
    app.lambda_function(name=name)(consumer_handler)

    registry = getattr(app, "crm_consumers", None)
    if registry is None:
        registry = {}
        app.crm_consumers = registry
    if name in registry:
        raise ValueError(f"consumer {name} registered twice")
    registry[name] = definition
    return definition


def consumer(app: Any, *, name: str, queue: str, **options: Any) -> Callable[[Handler], Handler]:
    """Decorator form of `register_consumer`; returns the handler unchanged (tests call it directly)."""

    def decorate(handler: Handler) -> Handler:
        register_consumer(app, handler, name=name, queue=queue, **options)
        return handler

    return decorate
