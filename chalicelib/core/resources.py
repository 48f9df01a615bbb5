"""The stage's non-table resources, declared once: infra/ renders them to CloudFormation and the
embedded stack creates them in moto."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.config import get_settings


@dataclass(frozen=True)
class QueueDef:
    key: str  # "uploads", "otp", "assignment"
    name: str
    dlq_name: str
    visibility_timeout: int = 120  # seconds; longer than the worker's Lambda timeout
    max_receive_count: int = 3  # deliveries before a message is parked in the DLQ


@dataclass(frozen=True)
class BucketDef:
    name: str
    notify_prefixes: tuple[str, ...] = ("imports/", "documents/")  # -> uploads queue


def queues() -> list[QueueDef]:
    settings = get_settings()
    return [QueueDef(key=key, name=settings.queue_name(key), dlq_name=f"{settings.queue_name(key)}-dlq")
            for key in ("uploads", "otp", "assignment")]


def bucket() -> BucketDef:
    return BucketDef(name=get_settings().bucket)
