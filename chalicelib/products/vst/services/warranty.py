"""The warranty report: the free-service milestones of a month, and whether each was honoured.

A card under warranty is due a free service 3, 6 and 9 calendar months after its warranty starts
(the milestones that fall on or before the warranty's end). A milestone is **done** when a free
service of the card (not cancelled) has its visit day within 30 days of it, either side.

Without a Scan: each card keeps one item per milestone in the `warranty-milestones` table, keyed by
the milestone's month (`2026-03`) and `<card>#<months>`; they follow every change of the card's
warranty dates and go with a soft delete. A month's report is one Query on that table (paginated)
plus one Query per card for its services (a card has a handful).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from chalicelib.core.clock import add_months
from chalicelib.core.db.read import batch_get, query_page
from chalicelib.core.paging import Slice, Window
from chalicelib.products.vst.clock import clock
from chalicelib.products.vst.models import Card, Service, WarrantyMilestone

MILESTONE_MONTHS = (3, 6, 9)
DONE_WITHIN = timedelta(days=30)
COLUMNS = ("card", "customer", "customer_name", "model", "region", "milestone_months", "due_date", "done",
           "service")


def milestones(card: Card) -> list[tuple[int, date]]:
    """The card's milestones: (months after the warranty's start, day), those within the warranty."""
    if card.deleted_at is not None or not card.warranty_start_date or not card.warranty_end_date:
        return []
    start, end = date.fromisoformat(card.warranty_start_date), date.fromisoformat(card.warranty_end_date)
    return [(months, add_months(start, months)) for months in MILESTONE_MONTHS if add_months(start, months) <= end]


def _items(card: Card) -> dict[tuple[str, str], WarrantyMilestone]:
    return {(due.strftime("%Y-%m"), f"{card.id:016d}#{months}"): WarrantyMilestone(
        due.strftime("%Y-%m"), f"{card.id:016d}#{months}", card=card.id, months=months, due_date=due.isoformat())
        for months, due in milestones(card)}


def follow(card: Card, before: list[tuple[int, date]] | None = None) -> None:
    """Write the card's milestone items and remove those its earlier dates had (`before`)."""
    wanted = _items(card)
    for months, due in before or []:
        key = (due.strftime("%Y-%m"), f"{card.id:016d}#{months}")
        if key not in wanted:
            WarrantyMilestone(*key).delete()
    for item in wanted.values():
        item.save()


def _done(card_id: int, due: date) -> int | None:
    """The free service (not cancelled) whose visit day is within 30 days of `due`, if any."""
    for service in Service.card_created_index.query(card_id):
        if service.service_type == "free" and service.status != "cancelled" and \
                abs(service.service_date(clock()) - due) <= DONE_WITHIN:
            return service.id
    return None


def rows(items: list[WarrantyMilestone]) -> list[dict[str, Any]]:
    cards = batch_get(Card, [item.card for item in items])
    found = []
    for item in items:
        card = cards.get(item.card)
        if card is None or card.deleted_at is not None:
            continue
        due = date.fromisoformat(item.due_date)
        service = _done(card.id, due)
        found.append({"card": card.id, "customer": card.customer, "customer_name": card.customer_name,
                      "model": card.model, "region": card.region, "milestone_months": item.months,
                      "due_date": due, "done": service is not None, "service": service})
    return found


def report_page(month: str, page: Window) -> Slice:
    """One page of a month's milestones (by card), as report rows."""
    found = query_page(WarrantyMilestone, month, page)
    return Slice(rows(found.items), found.last)


def report_rows(month: str) -> Iterator[list[Any]]:
    """Every row of a month's report, as cells (the scheduled file)."""
    batch: list[WarrantyMilestone] = []
    for item in WarrantyMilestone.query(month):
        batch.append(item)
        if len(batch) == 100:
            yield from ([row[name] for name in COLUMNS] for row in rows(batch))
            batch = []
    yield from ([row[name] for name in COLUMNS] for row in rows(batch))
