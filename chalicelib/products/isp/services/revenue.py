"""Revenue aggregates, kept as bills change, so no answer reads every bill.

One item per key in the `revenue` table, changed by atomic ADDs in the same transaction as the bill
(services.bills): `billed` (sum of total_bill), `received` (sum of total_received) and `bills` (count)
of the Active bills in it. Keys:
- `customer#<id>#<YYYY-MM>`: a customer's month (calculated_monthly_revenue);
- `customer#<id>`: a customer's all time (customer-wise revenue, KAM performance);
- `day#<YYYY-MM-DD>`, `month#<YYYY-MM>`, `year#<YYYY>`: the whole book (dashboard).
Months and days are the bill's `billing_date`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db.attributes import DecimalAttribute
from chalicelib.core.db.base import meta
from chalicelib.core.db.read import batch_get
from chalicelib.products.isp.models import PRODUCT

ZERO = Decimal("0.00")


class Revenue(Model):
    Meta = meta("revenue", PRODUCT)
    key = UnicodeAttribute(hash_key=True)
    billed = DecimalAttribute(default=lambda: ZERO)
    received = DecimalAttribute(default=lambda: ZERO)
    bills = NumberAttribute(default=0)


def customer_month_key(customer_id: int, day: date) -> str:
    return f"customer#{customer_id}#{day:%Y-%m}"


def customer_key(customer_id: int) -> str:
    return f"customer#{customer_id}"


def billed_in_month(customer_ids: list[int], day: date) -> dict[int, Decimal]:
    """Each customer's billed total in the month of `day` (one batch read for a page of customers)."""
    keys = {customer_month_key(customer_id, day): customer_id for customer_id in customer_ids}
    found = batch_get(Revenue, list(keys))
    return {customer_id: (found[key].billed if key in found else ZERO) for key, customer_id in keys.items()}
