"""The stage's non-table resources, declared once: infra/ renders them to CloudFormation and the
embedded stack creates them in moto."""

from __future__ import annotations

from typing import Any

from chalicelib.core.config import Settings, get_settings, using_settings
from chalicelib.core.records import Record


class QueueDef(Record, frozen=True):
    key: str  # "uploads", "otp", "assignment"
    name: str
    dlq_name: str
    visibility_timeout: int = 120  # seconds; longer than the worker's Lambda timeout
    max_receive_count: int = 3  # deliveries before a message is parked in the DLQ


class BucketDef(Record, frozen=True):
    name: str
    notify_prefixes: tuple[str, ...] = ("imports/", "documents/")  # -> uploads queue


# What a stage without a product (core's tests, small test apps) gets: every queue core knows of.
STANDARD_QUEUES = ("uploads", "otp", "assignment")


def queues(product: Any = None) -> list[QueueDef]:
    """The queues `product` declares (`Product.queues`), named for the stage; without a product,
    the standard ones with default settings."""
    from chalicelib.core.product import QueueSpec

    settings = settings_of(product)
    specs = product.queues if product is not None else tuple(QueueSpec(key) for key in STANDARD_QUEUES)
    return [QueueDef(key=spec.key, name=settings.queue_name(spec.key),
                     dlq_name=f"{settings.queue_name(spec.key)}-dlq", visibility_timeout=spec.visibility_timeout,
                     max_receive_count=spec.max_receive_count)
            for spec in specs]


def bucket(product: Any = None) -> BucketDef:
    return BucketDef(name=settings_of(product).bucket)


def settings_of(product: Any) -> Settings:
    """The settings `product` was built with, else the current ones."""
    with using_settings(getattr(product, "settings", None)):
        return get_settings()
