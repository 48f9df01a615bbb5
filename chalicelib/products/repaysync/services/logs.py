"""RepaySync's audit trail as a list."""

from __future__ import annotations

from chalicelib.core.cursors import is_dynamodb_key
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.repaysync.models import PRODUCT

_INVALID = {"cursor": ["Invalid cursor."]}


def list_logs(page: Window) -> Slice:
    """The audit trail, newest first across its day partitions (records past their TTL are hidden
    until DynamoDB drops them); the cursor is the last record's key (day and id)."""
    from chalicelib.core.audit import AuditStore

    if page.after is not None and not is_dynamodb_key(page.after, {"day", "id"}):
        raise ValidationFailed(_INVALID)
    try:
        items, last = AuditStore(PRODUCT).page(page.limit, page.after)
    except ValueError as exc:
        raise ValidationFailed(_INVALID) from exc
    return Slice(items, last)
