"""Queue delivery in tests: run a consumer on what its queue holds, as the embedded stack's runner does."""

from __future__ import annotations

from typing import Any


def deliver(app: Any, handler: str, *, expect_success: bool = True) -> list[dict[str, Any]]:
    """Run queue consumer `handler` of `app` once on what its queue holds (failures stay on the queue,
    as in the embedded stack); answers the messages it was given."""
    from chalicelib.core import aws
    from chalicelib.core.config import using_settings
    from local.events import QueueRunner, Timing, sqs_bindings

    with using_settings(app.crm_product.settings):
        binding = next(b for b in sqs_bindings(app) if b.handler_name == handler)
        queue = QueueRunner(app, binding, aws.sqs(), "us-east-1", Timing(poll_seconds=0, retry_seconds=0),
                            lambda line: None)
        messages = queue.sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=binding.batch_size,
                                             VisibilityTimeout=30, MessageSystemAttributeNames=["All"],
                                             MessageAttributeNames=["All"]).get("Messages", [])
        if messages:
            assert queue.handle(messages) is expect_success
    return messages
