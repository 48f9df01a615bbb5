"""RevisBali's schedules: the daily run that marks past-due invoices `overdue`.

`overdue_invoices` runs at 00:05 in Bali (16:05 UTC; Asia/Makassar keeps no daylight saving). It
reads the open invoices (unpaid or partially paid) whose due date is before today with Queries on the
sparse `due-index` (only open invoices carry its key), never a Scan, and moves each through INVOICE's
`mark_overdue` with a history item. A payment racing the move wins or loses cleanly (both are
conditional on the invoice's version): the invoice is read again and marked if it is still open. Run
twice, it finds nothing the second time.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.core.product import ScheduleSpec

logger = logging.getLogger("crm.revisbali.workers")
OVERDUE = "overdue_invoices"
PAGE = 100
ROBOT = "schedule:overdue_invoices"  # the actor of the moves in the invoice's history


def _past_due(before: str) -> Any:
    from chalicelib.core.db.read import query_page
    from chalicelib.core.paging import Window
    from chalicelib.products.revisbali.models import OPEN_INVOICE, Invoice

    after = None
    while True:
        part = query_page(Invoice.due_index, OPEN_INVOICE, Window(PAGE, after), Invoice.due_date < before)
        yield from part.items
        if part.last is None:
            return
        after = part.last


def _mark(invoice: Any) -> bool:
    from chalicelib.core.errors import Conflict
    from chalicelib.products.revisbali.models import Invoice, agent_status_key
    from chalicelib.products.revisbali.services.common import History, find
    from chalicelib.products.revisbali.services.invoices import INVOICE

    for _ in range(3):
        if invoice is None or invoice.status not in INVOICE.transitions["mark_overdue"]:
            return False
        try:
            INVOICE.move(invoice, "mark_overdue", ROBOT, history=History,
                         also=[Invoice.open_key.remove(),
                               Invoice.agent_status.set(agent_status_key(invoice.agent_key, "overdue"))])
            return True
        except Conflict:
            invoice = find(Invoice, invoice.id)
    return False


def mark_overdue() -> dict[str, int]:
    """Mark every open invoice due before today (the business date) `overdue`; answers how many."""
    from chalicelib.products.revisbali.clock import clock

    today = clock().today().isoformat()
    found = list(_past_due(today))  # read first: each move takes the invoice out of the index being read
    marked = sum(1 for invoice in found if _mark(invoice))
    logger.info("overdue invoices: %s past due, %s marked", len(found), marked)
    return {"pastDue": len(found), "marked": marked}


SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec(OVERDUE, "cron(5 16 * * ? *)", mark_overdue,
                 "Mark unpaid and partially paid invoices past their due date overdue (00:05 Asia/Makassar)"),
)
