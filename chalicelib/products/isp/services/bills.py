"""Bills: totals computed on the server in Decimal, revenue aggregates kept in the same transaction.

`total_bill` = the sum of the lines' amounts (`<line>_price` is what that line's quantity costs, as
the spec's example: 100.00 + 10.00 + 20.00 = 130.00) - `discount`; `total_due` = `total_bill` -
`total_received`. A discount above the lines' sum, or more received than billed, is a 400.

Every write moves the bill's contribution in the revenue aggregates (services.revenue) by atomic ADDs
in the bill's own transaction, with the customer's bill count (a customer with bills is never
deleted) and a check that the customer exists. Lists are one Query on an index; `customer_details`
comes from one batch read per page.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.core.db import txn
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import batch_get, query_page
from chalicelib.core.db.search import PrefixIndex, search_model
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.isp.models import PRODUCT, Bill, Customer
from chalicelib.products.isp.services import revenue
from chalicelib.products.isp.services.common import Counters, Guards, find
from chalicelib.products.isp.services.customers import CUSTOMER_BILLS

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import BillIn, BillOut, BillQuery

NOT_FOUND = "Bill not found."
ACTIVE = "Active"
bill_ids = IdSequence(Counters, "bills")
BillSearch = search_model(PRODUCT, "bills")
SEARCH = PrefixIndex(BillSearch)
CENT = Decimal("0.01")


def totals(body: BillIn) -> tuple[Decimal, Decimal]:
    """(total_bill, total_due) of a bill's lines, discount and amount received (400 when negative)."""
    from chalicelib.products.isp.schemas import LINES

    lines = sum((getattr(body, f"{line}_price") for line in LINES), Decimal("0"))
    if body.discount > lines:
        raise ValidationFailed({"discount": ["The discount cannot be more than the bill's lines."]})
    total_bill = (lines - body.discount).quantize(CENT)
    if body.total_received > total_bill:
        raise ValidationFailed({"total_received": ["More cannot be received than the bill's total."]})
    return total_bill, (total_bill - body.total_received).quantize(CENT)


def _date_key(billing_date: str, bill_id: int) -> str:
    return f"{billing_date}#{bill_id:016d}"


def _searchable(bill: Bill, customer: Customer | None) -> tuple[str | None, ...]:
    return (bill.nttn_cap, bill.nttn_com, bill.remarks, customer.name if customer else None,
            customer.email if customer else None)


def _customer(customer_id: int) -> Customer:
    customer = find(Customer, customer_id)
    if customer is None:
        raise ValidationFailed({"customer": [f'Invalid pk "{customer_id}" - object does not exist.']})
    return customer


def _apply(bill: Bill, body: BillIn) -> None:
    from chalicelib.products.isp.schemas import LINES

    bill.customer, bill.nttn_cap, bill.nttn_com = body.customer, body.nttn_cap, body.nttn_com
    bill.billing_date = body.billing_date.isoformat()
    bill.date_key = _date_key(bill.billing_date, bill.id)
    for line in LINES:
        setattr(bill, line, getattr(body, line))
        setattr(bill, f"{line}_price", getattr(body, f"{line}_price"))
    bill.discount, bill.total_received = body.discount, body.total_received
    bill.total_bill, bill.total_due = totals(body)
    bill.status, bill.remarks = body.status, body.remarks


def contribution(bill: Bill | None) -> dict[str, tuple[Decimal, Decimal, int]]:
    """What a bill adds to each revenue aggregate: (billed, received, bills); nothing unless Active."""
    if bill is None or bill.status != ACTIVE:
        return {}
    day = date.fromisoformat(bill.billing_date)
    share = (bill.total_bill, bill.total_received, 1)
    return {key: share for key in (revenue.customer_month_key(bill.customer, day), revenue.customer_key(bill.customer),
                                   f"day#{day:%Y-%m-%d}", f"month#{day:%Y-%m}", f"year#{day:%Y}")}


def revenue_steps(before: Bill | None, after: Bill | None) -> list[txn.Step]:
    """Atomic ADDs moving the aggregates from `before`'s contribution to `after`'s (one per item)."""
    deltas: dict[str, list[Any]] = defaultdict(lambda: [Decimal("0"), Decimal("0"), 0])
    for sign, bill in ((-1, before), (1, after)):
        for key, (billed, received, count) in contribution(bill).items():
            deltas[key][0] += sign * billed
            deltas[key][1] += sign * received
            deltas[key][2] += sign * count
    R = revenue.Revenue
    return [txn.update(R(key), [R.billed.add(billed), R.received.add(received), R.bills.add(count)])
            for key, (billed, received, count) in sorted(deltas.items()) if billed or received or count]


def create_bill(body: BillIn) -> Bill:
    customer = _customer(body.customer)
    bill = Bill(bill_ids.next())
    _apply(bill, body)
    txn.run(Guards, [txn.put(bill, condition=Bill.id.does_not_exist()), *_customer_steps(None, bill.customer),
                     *revenue_steps(None, bill)])
    SEARCH.replace(bill.id, (), _searchable(bill, customer))
    return bill


def _customer_steps(old: int | None, new: int | None) -> list[txn.Step]:
    if old == new:
        return []
    steps: list[txn.Step] = []
    if old is not None:
        steps.append(CUSTOMER_BILLS.remove(old))
    if new is not None:
        steps += [CUSTOMER_BILLS.add(new), txn.check(Customer, new, Customer.id.exists(), ValidationFailed(
            {"customer": [f'Invalid pk "{new}" - object does not exist.']}))]
    return steps


def get_bill(bill_id: int) -> Bill:
    bill = find(Bill, bill_id)
    if bill is None:
        raise NotFound(NOT_FOUND)
    return bill


def _current(bill: Bill) -> BillIn:
    from chalicelib.products.isp.schemas import BillIn

    values = {name: getattr(bill, name) for name in BillIn.model_fields}
    values["billing_date"] = date.fromisoformat(bill.billing_date)
    return BillIn.model_construct(**values)


def update_bill(bill_id: int, body: Any, *, partial: bool) -> Bill:
    from chalicelib.products.isp.schemas import BillIn

    bill = get_bill(bill_id)
    full: BillIn = merged(_current(bill), body, BillIn) if partial else body
    before = Bill.from_raw_data(bill.serialize())
    old_customer = find(Customer, bill.customer)
    customer = _customer(full.customer) if full.customer != bill.customer else old_customer
    _apply(bill, full)
    txn.run(Guards, [txn.put(bill), *_customer_steps(before.customer, bill.customer), *revenue_steps(before, bill)])
    bill.refresh()
    SEARCH.replace(bill.id, _searchable(before, old_customer), _searchable(bill, customer))
    return bill


def delete_bill(bill_id: int) -> None:
    bill = get_bill(bill_id)
    txn.run(Guards, [txn.delete(bill), *_customer_steps(bill.customer, None), *revenue_steps(bill, None)])
    SEARCH.replace(bill.id, _searchable(bill, find(Customer, bill.customer)), ())


def list_bills(query: BillQuery, window: Window) -> Slice:
    """One Query: by customer (in id or billing-date order), else by billing date, else by status, else all."""
    if query.search:
        ids, found = SEARCH.search(query.search, window)
        rows = batch_get(Bill, ids)
        day = query.billing_date.isoformat() if query.billing_date else None
        chosen = [b for b in (rows.get(i) for i in ids) if b is not None
                  and (query.customer is None or b.customer == query.customer)
                  and (query.status is None or b.status == query.status)
                  and (day is None or b.billing_date == day)]
        return Slice(chosen, found.last)
    ordering = query.ordering or "id"
    forward = not ordering.startswith("-")
    by_date = ordering.lstrip("-") == "billing_date"
    filters: dict[str, Any] = {"customer": query.customer, "status": query.status,
                               "billing_date": query.billing_date.isoformat() if query.billing_date else None}
    if query.customer is not None:
        source, key = (Bill.customer_dated_index if by_date else Bill.customer_index), filters.pop("customer")
    elif filters["billing_date"] is not None:
        source, key = Bill.day_index, filters.pop("billing_date")
    elif by_date:
        source, key = Bill.dated_index, "bill"
    elif query.status is not None:
        source, key = Bill.status_index, filters.pop("status")
    else:
        source, key = Bill.all_index, "bill"
    condition = None
    for name, value in filters.items():
        if value is not None:
            clause = getattr(Bill, name) == value
            condition = clause if condition is None else condition & clause
    return query_page(source, key, window, scan_index_forward=forward, filter_condition=condition)


def rendered(bills: list[Bill]) -> list[BillOut]:
    """Bills as answered, their customers read in one batch."""
    from chalicelib.products.isp.schemas import BillOut, CustomerBrief

    people = batch_get(Customer, [bill.customer for bill in bills])
    answers = []
    for bill in bills:
        customer = people.get(bill.customer)
        values = {name: getattr(bill, name) for name in BillOut.model_fields
                  if name not in ("customer_details", "billing_date")}
        answers.append(BillOut(**values, billing_date=date.fromisoformat(bill.billing_date),
                               customer_details=CustomerBrief(id=customer.id, name=customer.name, email=customer.email)
                               if customer is not None else None))
    return answers
