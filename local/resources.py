"""Create the stage's bucket, queues (+DLQs) and bucket -> uploads notification in the emulation."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from chalicelib.core import aws
from chalicelib.core.resources import bucket, queues


def create_buckets_and_queues(product: Any = None) -> dict[str, str]:
    """The bucket and the queues `product` declares (without one, core's standard queues), and the
    bucket -> uploads notification when it has an uploads queue. Idempotent; returns key -> URL."""
    sqs = aws.sqs()
    urls: dict[str, str] = {}
    for queue in queues(product):
        dlq_url = sqs.create_queue(QueueName=queue.dlq_name)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        urls[queue.key] = sqs.create_queue(QueueName=queue.name, Attributes={
            "VisibilityTimeout": str(queue.visibility_timeout),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": str(queue.max_receive_count)}),
        })["QueueUrl"]
        urls[f"{queue.key}-dlq"] = dlq_url
    s3 = aws.s3()
    spec = bucket(product)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=spec.name)
    if "uploads" not in urls:
        return urls
    uploads_arn = sqs.get_queue_attributes(QueueUrl=urls["uploads"], AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=spec.name, NotificationConfiguration={
        "QueueConfigurations": [
            {"QueueArn": uploads_arn, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}}
            for prefix in spec.notify_prefixes]})
    return urls


def create_signing_key_secret() -> None:
    """The stage's signing-key secret with its first key. In AWS the stack declares the secret and
    the operator's bootstrap puts the first key; Lambdas only read it."""
    from chalicelib.core.auth.keys import create_signing_secret
    from chalicelib.core.config import get_settings

    create_signing_secret(aws.secrets(), get_settings().signing_key_secret)
