"""Base model for every table: stage prefix, timestamps and an optimistic-lock version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.models import Model

from chalicelib.core import aws
from chalicelib.core.config import get_settings
from chalicelib.core.errors import Conflict

aws.share_session()  # every table's connection on one botocore session: DynamoDB's model loaded once


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_name(entity: str, product: str | None = None) -> str:
    """Table name for `entity` in the current stage (product defaults to CRM_PRODUCT)."""
    settings = get_settings()
    prefix_product = product or settings.product
    return f"{settings.table_prefix}{prefix_product}-{entity}"


def meta(entity: str, product: str | None = None) -> type:
    """A pynamodb `Meta` for `entity`: use as `Meta = meta("customers", "repaysync")`."""
    settings = get_settings()
    return type("Meta", (), {"table_name": table_name(entity, product), "region": settings.region,
                             "billing_mode": "PAY_PER_REQUEST"})


def is_conditional_failure(exc: BaseException) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause in {"ConditionalCheckFailedException", "TransactionCanceledException"}


class BaseModel(Model):
    """Abstract base: subclasses set `Meta = meta(...)` and their own keys.

    `version` makes every save/update/delete conditional on the version read, so two writers
    racing on one record cannot silently overwrite each other: the loser gets a 409.
    """

    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()

    def save(self, *args: Any, **kwargs: Any) -> Any:
        self.updated_at = utcnow()
        try:
            return super().save(*args, **kwargs)
        except PutError as exc:
            if is_conditional_failure(exc):
                raise Conflict("The record was changed by someone else; reload and retry.") from exc
            raise

    def update(self, actions: Any, *args: Any, **kwargs: Any) -> Any:
        actions = [*list(actions), type(self).updated_at.set(utcnow())]
        try:
            return super().update(actions, *args, **kwargs)
        except UpdateError as exc:
            if is_conditional_failure(exc):
                raise Conflict("The record was changed by someone else; reload and retry.") from exc
            raise

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().delete(*args, **kwargs)
        except DeleteError as exc:
            if is_conditional_failure(exc):
                raise Conflict("The record was changed by someone else; reload and retry.") from exc
            raise
