"""RepaySync's audit trail as a list."""

from __future__ import annotations

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.repaysync.models import PRODUCT
from chalicelib.products.repaysync.services.common import check_cursor


def list_logs(page: Window) -> Slice:
    """The audit trail, newest first across its day partitions (records past their TTL are hidden
    until DynamoDB drops them); the cursor is the last record's key (day and id)."""
    from chalicelib.core.audit import AuditStore

    check_cursor(page.after, frozenset({"day", "id"}))
    try:
        items, last = AuditStore(PRODUCT).page(page.limit, page.after)
    except ValueError as exc:
        raise ValidationFailed({"cursor": ["Invalid cursor."]}) from exc
    return Slice(items, last)
