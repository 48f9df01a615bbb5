"""ISP's event handlers: the nightly repair of the revenue aggregates (a schedule), and the bucket's
`imports/customers/...` and `imports/bills/...` objects (the `uploads` queue, core's import worker).

Bills keep the aggregates (services.revenue) by atomic ADDs in their own transactions, so they do not
drift in normal operation; `nightly_revenue` (02:00 in Dhaka, 20:00 UTC) recomputes every aggregate a
bill or a customer implies from the bills themselves (read page by page through `all-index`, never
on a request path) and sets any item that differs, so a hand edit or a bug is repaired overnight.
A bill written while it runs may be counted once more or less until the next night: it runs when
nobody bills.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.core.product import ScheduleSpec

logger = logging.getLogger("crm.isp.workers")
NIGHTLY = "nightly_revenue"


def _pages(index: Any, key: str) -> Any:
    from chalicelib.core.db.read import query_page
    from chalicelib.core.paging import Window

    after = None
    while True:
        part = query_page(index, key, Window(500, after))
        yield from part.items
        if part.last is None:
            return
        after = part.last


def expected_aggregates(today: date) -> dict[str, tuple[Decimal, Decimal, int]]:
    """Every aggregate key the bills and customers imply, with its (billed, received, bills) from the bills."""
    from chalicelib.products.isp.models import Bill, Customer
    from chalicelib.products.isp.services.bills import contribution
    from chalicelib.products.isp.services.revenue import customer_key

    sums: dict[str, list[Any]] = defaultdict(lambda: [Decimal("0"), Decimal("0"), 0])
    first = today
    for bill in _pages(Bill.all_index, "bill"):
        first = min(first, date.fromisoformat(bill.billing_date))
        for key, (billed, received, count) in contribution(bill).items():
            sums[key][0] += billed
            sums[key][1] += received
            sums[key][2] += count
    for customer in _pages(Customer.all_index, "customer"):
        sums.setdefault(customer_key(customer.id), [Decimal("0"), Decimal("0"), 0])  # no bills: zero
    day = first
    while day <= today:
        for key in (f"day#{day:%Y-%m-%d}", f"month#{day:%Y-%m}", f"year#{day:%Y}"):
            sums.setdefault(key, [Decimal("0"), Decimal("0"), 0])  # a day without bills totals zero
        day += timedelta(days=1)
    return {key: (value[0], value[1], value[2]) for key, value in sums.items()}


def repair_revenue() -> dict[str, int]:
    """Set every aggregate that differs from what the bills say; answers how many were checked and fixed."""
    from chalicelib.core.db.read import batch_get
    from chalicelib.products.isp.clock import clock
    from chalicelib.products.isp.services.revenue import Revenue

    expected = expected_aggregates(clock().today())
    fixed = 0
    keys = sorted(expected)
    for start in range(0, len(keys), 100):
        chunk = keys[start:start + 100]
        stored = batch_get(Revenue, chunk)
        for key in chunk:
            billed, received, count = expected[key]
            item = stored.get(key)
            if item is not None and (item.billed, item.received, int(item.bills)) == (billed, received, count):
                continue
            if item is None and not (billed or received or count):
                continue
            Revenue(key).update(actions=[Revenue.billed.set(billed), Revenue.received.set(received),
                                         Revenue.bills.set(count)])
            fixed += 1
    logger.info("revenue aggregates: %s checked, %s repaired", len(keys), fixed)
    return {"checked": len(keys), "repaired": fixed}


SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec(NIGHTLY, "cron(0 20 * * ? *)", repair_revenue,
                 "Recompute the revenue aggregates from the bills and repair drift (02:00 Asia/Dhaka)"),
)


def register_workers(app: Any) -> None:
    from chalicelib.core.files.worker import register_upload_worker
    from chalicelib.products.isp.services import imports

    register_upload_worker(app, imports.engine)
