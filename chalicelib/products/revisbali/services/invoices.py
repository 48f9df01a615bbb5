"""Invoices: line items, a tax rate and the totals the backend computes (services/invoice_math.py).

An invoice is for an application of a customer the caller sees; it is numbered `INV-<year>-<id>`
(the business year of its creation, Asia/Makassar), due 14 business days later, and created `unpaid`
in one transaction with a bump of its customer (services/customer_records.py). Its status moves only
through INVOICE (core/states.py): payments (services/payments.py) and the daily overdue run
(workers.py). Lists are one Query on the index the caller's scope and filters choose.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.states import StateMachine
from chalicelib.products.revisbali import clock as business
from chalicelib.products.revisbali.models import Application, Invoice, LineItem, agent_status_key
from chalicelib.products.revisbali.services import customers
from chalicelib.products.revisbali.services.common import Counters, count_of, find, page_of
from chalicelib.products.revisbali.services.customer_records import agent_key_of, customer_bump
from chalicelib.products.revisbali.services.invoice_math import ZERO, line_total, totals

if TYPE_CHECKING:
    from chalicelib.products.revisbali.invoice_schemas import CalculationOut, InvoiceIn, InvoiceOut, InvoiceQuery

invoice_ids = IdSequence(Counters, "invoices")
line_item_ids = IdSequence(Counters, "invoice-lines")
DUE_DAYS = 14
UNPAID = "unpaid"
INVOICE = StateMachine("invoice", {
    "pay": {"unpaid": "partially_paid", "partially_paid": "partially_paid", "overdue": "overdue"},
    "settle": {"unpaid": "paid", "partially_paid": "paid", "overdue": "paid"},
    "mark_overdue": {"unpaid": "overdue", "partially_paid": "overdue"},
})
NO_APPLICATION = "Application with id {} not found for this customer."
NOT_BILLABLE = "A {} application cannot be invoiced."
UNBILLABLE = ("cancelled", "rejected")


def create_invoice(principal: Principal, body: InvoiceIn) -> Invoice:
    """For an application of a customer the caller sees (400 on the field naming another or none)."""
    try:
        customer = customers.visible(principal, body.customer_id)
    except NotFound as exc:
        raise ValidationFailed({"customer_id": [f"Customer with id {body.customer_id} not found."]}) from exc
    application = find(Application, body.application_id)
    if application is None or application.customer_id != customer.id:
        raise ValidationFailed({"application_id": [NO_APPLICATION.format(body.application_id)]})
    if application.status in UNBILLABLE:
        raise ValidationFailed({"application_id": [NOT_BILLABLE.format(application.status)]})
    invoice_id = invoice_ids.next()
    line_ids = line_item_ids.reserve(len(body.line_items))
    lines = [LineItem(id=line_id, description=line.description, quantity=line.quantity, price=line.price,
                      total=line_total(line.quantity, line.price))
             for line_id, line in zip(line_ids, body.line_items, strict=True)]
    sums = totals((line.total for line in lines), body.tax_rate)
    clock = business.clock()
    now = clock.now()
    today = clock.local_date(now)
    invoice = Invoice(invoice_id, invoice_number=f"INV-{today.year}-{invoice_id}", customer_id=customer.id,
                      application_id=application.id, line_items=lines, tax_rate=body.tax_rate,
                      subtotal=sums.subtotal, tax=sums.tax, total=sums.total, amount_paid=ZERO,
                      balance_due=sums.total, status=UNPAID, due_date=(today + timedelta(days=DUE_DAYS)).isoformat(),
                      agent_key=agent_key_of(customer), created_at=now, updated_at=now)
    invoice.keyed()
    txn.run(Invoice, [customer_bump(customer), txn.put(invoice, condition=Invoice.id.does_not_exist())])
    return invoice


def visible(principal: Principal, invoice_id: int) -> Invoice:
    """The invoice, if the caller sees its customer (404 otherwise, as for one that does not exist)."""
    invoice = find(Invoice, invoice_id)
    missing = NotFound(f"Invoice with id {invoice_id} not found.")
    if invoice is None:
        raise missing
    if customers.is_agent(principal) and invoice.agent_key != principal.user_id:
        raise missing
    return invoice


# -- lists -----------------------------------------------------------------------------------------
def _source(principal: Principal, query: InvoiceQuery) -> tuple[Any, Any, Any] | None:
    """(index, partition key, filter) of the list asked for; None when it is empty for this caller."""
    status_filter = Invoice.status == query.status if query.status else None
    if query.application_id is not None:
        application = find(Application, query.application_id)
        if application is None or (query.customer_id is not None and application.customer_id != query.customer_id):
            return None
        try:
            customers.visible(principal, application.customer_id)
        except NotFound:
            return None
        return Invoice.application_index, application.id, status_filter
    if query.customer_id is not None:
        try:
            customers.visible(principal, query.customer_id)
        except NotFound:
            return None
        return Invoice.customer_index, query.customer_id, status_filter
    if customers.is_agent(principal):
        if query.status:
            return Invoice.agent_status_index, agent_status_key(principal.user_id or 0, query.status), None
        return Invoice.agent_index, principal.user_id, None
    if query.status:
        return Invoice.status_index, query.status, None
    return Invoice.all_index, "invoice", None


def list_invoices(principal: Principal, query: InvoiceQuery, window: Window) -> Slice:
    """Newest first unless `ordering=createdAt`."""
    return page_of(_source(principal, query), window, oldest_first=query.ordering == "createdAt")


def count_invoices(principal: Principal, query: InvoiceQuery) -> int:
    return count_of(_source(principal, query))


# -- the arithmetic --------------------------------------------------------------------------------
def calculate(principal: Principal, invoice_id: int) -> CalculationOut:
    """Recompute every line total, the subtotal, tax, total and balance from the stored quantities,
    prices, rate and payments; a stored figure that differs is corrected (conditional on the version)."""
    from chalicelib.products.revisbali.invoice_schemas import CalculationOut

    invoice = visible(principal, invoice_id)
    changed = False
    for line in invoice.line_items:
        fresh = line_total(int(line.quantity), line.price)
        changed = changed or fresh != line.total
        line.total = fresh
    sums = totals((line.total for line in invoice.line_items), invoice.tax_rate)
    balance = sums.balance(invoice.amount_paid)
    stored = (invoice.subtotal, invoice.tax, invoice.total, invoice.balance_due)
    if changed or stored != (sums.subtotal, sums.tax, sums.total, balance):
        invoice.update(actions=[Invoice.line_items.set(invoice.line_items), Invoice.subtotal.set(sums.subtotal),
                                Invoice.tax.set(sums.tax), Invoice.total.set(sums.total),
                                Invoice.balance_due.set(balance)])
    return CalculationOut(subtotal=sums.subtotal, tax=sums.tax, total=sums.total, balance_due=balance)


def due_instant(due_date: str) -> datetime:
    """The due date as the spec shows it: midnight of that date, written as UTC."""
    return datetime.combine(date.fromisoformat(due_date), time(), tzinfo=UTC)


def rendered(invoice: Invoice) -> InvoiceOut:
    from chalicelib.products.revisbali.invoice_schemas import InvoiceOut, LineItemOut

    return InvoiceOut(
        id=invoice.id, invoice_number=invoice.invoice_number, customer_id=invoice.customer_id,
        application_id=invoice.application_id,
        line_items=[LineItemOut(id=int(line.id), description=line.description, quantity=int(line.quantity),
                                price=line.price, total=line.total) for line in invoice.line_items],
        tax_rate=invoice.tax_rate, subtotal=invoice.subtotal, tax=invoice.tax, total=invoice.total,
        amount_paid=invoice.amount_paid, balance_due=invoice.balance_due, status=invoice.status,  # type: ignore[arg-type]
        due_date=due_instant(invoice.due_date), created_at=invoice.created_at, updated_at=invoice.updated_at)
