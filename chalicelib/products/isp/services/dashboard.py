"""Dashboard figures from the revenue aggregates (services.revenue), never from the bills.

Revenue is the `total_bill` of Active bills by billing date (business time zone); received likewise.
- KPIs compare the last 30 days (today and the 29 before) with the 30 days before them:
  `total_revenue_change` = (now - before) / before x 100 (0 when both are 0, 100 when only `before` is);
  `collection_rate` = received / billed x 100 over the window (0 when nothing was billed), and its
  change is the difference in percentage points. Customer counts are of the customers that exist:
  `total_customers` joined on or before the day, `active_customers` also not left by then, today and
  30 days ago; their changes are percentages as revenue's. (They read every customer, not any bill.)
- Weekly: the last 12 weeks (Monday to Sunday, labelled by the Monday); monthly: the last 12 months;
  yearly: the last 5 years; each oldest first, from one batch read of the day/month/year items.
- Customer-wise: one page of customers with their all-time totals (one batch read per page); KAM
  performance: every sales person with customers, from the customers and their totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from chalicelib.core.db.read import batch_get, query_page
from chalicelib.core.paging import Slice, Window
from chalicelib.core.records import Record
from chalicelib.products.isp.models import Customer, User
from chalicelib.products.isp.services.revenue import Revenue, customer_key

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import KamOut, KpisOut, MonthRevenueOut, WeekRevenueOut, YearRevenueOut

ZERO = Decimal("0")
WINDOW_DAYS, WEEKS, MONTHS, YEARS = 30, 12, 12, 5


def _sums(keys: list[str]) -> dict[str, tuple[Decimal, Decimal]]:
    found = batch_get(Revenue, keys)
    return {key: (found[key].billed, found[key].received) if key in found else (ZERO, ZERO) for key in keys}


def _days(last: date, count: int) -> list[date]:
    return [last - timedelta(days=offset) for offset in range(count)]


def change(now: Decimal | int, before: Decimal | int) -> float:
    if not before:
        return 0.0 if not now else 100.0
    return round(float((Decimal(now) - Decimal(before)) / Decimal(before) * 100), 1)


def rate(received: Decimal, billed: Decimal) -> float:
    return round(float(received / billed * 100), 1) if billed else 0.0


def all_customers() -> Iterator[Customer]:
    after = None
    while True:
        part = query_page(Customer.all_index, "customer", Window(500, after))
        yield from part.items
        if part.last is None:
            return
        after = part.last


def _counts(customers: list[Customer], day: date) -> tuple[int, int]:
    text = day.isoformat()
    joined = [c for c in customers if c.join_date <= text]
    return len(joined), sum(1 for c in joined if c.leave_date is None or c.leave_date > text)


def kpis(today: date) -> KpisOut:
    from chalicelib.products.isp.schemas import KpisOut

    current, previous = _days(today, WINDOW_DAYS), _days(today - timedelta(days=WINDOW_DAYS), WINDOW_DAYS)
    sums = _sums([f"day#{day:%Y-%m-%d}" for day in current + previous])

    def window(days: list[date]) -> tuple[Decimal, Decimal]:
        pairs = [sums[f"day#{day:%Y-%m-%d}"] for day in days]
        return sum((p[0] for p in pairs), ZERO), sum((p[1] for p in pairs), ZERO)

    (billed, received), (billed_before, received_before) = window(current), window(previous)
    customers = list(all_customers())
    total, active = _counts(customers, today)
    total_before, active_before = _counts(customers, today - timedelta(days=WINDOW_DAYS))
    collection, collection_before = rate(received, billed), rate(received_before, billed_before)
    return KpisOut(total_revenue=billed, total_revenue_change=change(billed, billed_before),
                   total_customers=total, total_customers_change=change(total, total_before),
                   active_customers=active, active_customers_change=change(active, active_before),
                   collection_rate=collection, collection_rate_change=round(collection - collection_before, 1))


def weekly(today: date) -> list[WeekRevenueOut]:
    from chalicelib.products.isp.schemas import WeekRevenueOut

    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    sums = _sums([f"day#{week + timedelta(days=d):%Y-%m-%d}" for week in weeks for d in range(7)])
    return [WeekRevenueOut(week=week, revenue=sum((sums[f"day#{week + timedelta(days=d):%Y-%m-%d}"][0]
                                                   for d in range(7)), ZERO)) for week in weeks]


def monthly(today: date) -> list[MonthRevenueOut]:
    from chalicelib.products.isp.schemas import MonthRevenueOut

    months = []
    year, month = today.year, today.month
    for _ in range(MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    sums = _sums([f"month#{m}" for m in months])
    return [MonthRevenueOut(month=m, revenue=sums[f"month#{m}"][0]) for m in months]


def yearly(today: date) -> list[YearRevenueOut]:
    from chalicelib.products.isp.schemas import YearRevenueOut

    years = list(range(today.year - YEARS + 1, today.year + 1))
    sums = _sums([f"year#{y}" for y in years])
    return [YearRevenueOut(year=y, revenue=sums[f"year#{y}"][0]) for y in years]


class Totals(Record):
    billed: Decimal
    received: Decimal


def _totals(customers: list[Customer]) -> dict[int, Totals]:
    sums = _sums([customer_key(c.id) for c in customers])
    return {c.id: Totals(*sums[customer_key(c.id)]) for c in customers}


def customer_page(window: Window) -> Slice:
    """One page of customers (id order) with their totals and KAMs, in two batch reads."""
    from chalicelib.products.isp.schemas import CustomerRevenueOut

    part = query_page(Customer.all_index, "customer", window)
    totals = _totals(part.items)
    kams = batch_get(User, [c.assigned_sales_person for c in part.items])
    rows = []
    for c in part.items:
        total = totals[c.id]
        kam = kams.get(c.assigned_sales_person) if c.assigned_sales_person else None
        rows.append(CustomerRevenueOut(
            customer_id=c.id, customerName=c.name, email=c.email, status=c.status,
            joinDate=date.fromisoformat(c.join_date),
            leaveDate=date.fromisoformat(c.leave_date) if c.leave_date else None,
            totalRevenue=total.billed, totalDue=total.billed - total.received,
            collectionRate=rate(total.received, total.billed), kam=kam.username if kam else None))
    return Slice(rows, part.last)


def kam_performance() -> list[KamOut]:
    """Every sales person with customers, by user id: their customers and those customers' revenue."""
    from chalicelib.products.isp.schemas import KamOut

    customers = [c for c in all_customers() if c.assigned_sales_person]
    totals = _totals(customers)
    by_kam: dict[int, list[Customer]] = {}
    for c in customers:
        by_kam.setdefault(c.assigned_sales_person, []).append(c)
    people = batch_get(User, list(by_kam))
    rows = []
    for kam_id in sorted(by_kam):
        theirs = by_kam[kam_id]
        revenue = sum((totals[c.id].billed for c in theirs), ZERO)
        person = people.get(kam_id)
        rows.append(KamOut(kam=person.username if person else str(kam_id), kam_id=kam_id,
                           total_customers=len(theirs), active_customers=sum(1 for c in theirs if c.status == "Active"),
                           total_revenue=revenue, avg_revenue_per_customer=round(float(revenue / len(theirs)), 2)))
    return rows
