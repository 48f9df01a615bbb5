"""Payments against an invoice: recorded in the same transaction as the invoice's new amountPaid,
balanceDue and status (a move of INVOICE, with its history item), conditional on the invoice's
version as read. Two payments racing on one invoice: one commits, the other reads the invoice again
and is checked against the new balance (so the balance can never go below zero and no payment is
lost); after RETRIES rounds of losing it is a 409 the client may retry. `seal` adds the steps storing
the answer (an Idempotency-Key's, core/idempotency.py) to that same transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import query_page
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.revisbali import clock as business
from chalicelib.products.revisbali.models import Invoice, Payment, agent_status_key
from chalicelib.products.revisbali.services import invoices
from chalicelib.products.revisbali.services.common import Counters, History, find
from chalicelib.products.revisbali.services.invoice_math import cents, status_after_payment

if TYPE_CHECKING:
    from chalicelib.products.revisbali.invoice_schemas import InvoiceBalanceOut, PaymentIn

payment_ids = IdSequence(Counters, "payments")
RETRIES = 12
NOTHING_DUE = "This invoice has nothing left to pay."
TOO_MUCH = "Ensure this value is less than or equal to the balance due ({})."
FUTURE = "The payment date cannot be after today ({})."
Seal = Callable[[Payment, "InvoiceBalanceOut"], list[txn.Step]]  # more steps of the payment's transaction


def no_seal(payment: Payment, after: InvoiceBalanceOut) -> list[txn.Step]:
    return []


def record_payment(principal: Principal, invoice_id: int, body: PaymentIn,
                   seal: Seal = no_seal) -> tuple[Payment, InvoiceBalanceOut]:
    """The payment and the invoice's figures after it (400 on `amount` beyond the balance, on
    `paymentDate` after today)."""
    invoice = invoices.visible(principal, invoice_id)
    clock = business.clock()
    today = clock.today()
    paid_on = body.payment_date or today
    if paid_on > today:
        raise ValidationFailed({"payment_date": [FUTURE.format(today.isoformat())]})
    payment = Payment(payment_ids.next(), invoice_id=invoice.id, amount=body.amount, payment_date=paid_on.isoformat(),
                      payment_method=body.payment_method, reference=body.reference, recorded_by=principal.user_id)
    for attempt in range(RETRIES):
        _check_amount(invoice, body.amount)
        try:
            return payment, _commit(invoice, payment, principal.subject, seal)
        except Conflict:
            if attempt == RETRIES - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # jitter, not security
            invoice = find(Invoice, invoice_id) or invoice
    raise AssertionError("unreachable")


def _check_amount(invoice: Invoice, amount: Decimal) -> None:
    if invoice.balance_due <= 0:
        raise ValidationFailed({"amount": [NOTHING_DUE]})
    if amount > invoice.balance_due:
        raise ValidationFailed({"amount": [TOO_MUCH.format(f"{cents(invoice.balance_due):f}")]})


def _commit(invoice: Invoice, payment: Payment, actor: str, seal: Seal) -> InvoiceBalanceOut:
    """The invoice's move (pay or settle) with its new figures, and the payment, in one transaction."""
    from chalicelib.products.revisbali.invoice_schemas import InvoiceBalanceOut

    paid = cents(invoice.amount_paid + payment.amount)
    balance = cents(invoice.total - paid)
    action = "settle" if status_after_payment(balance) == "paid" else "pay"
    target = invoices.INVOICE.target(action, invoice.status)
    still_open = target in ("unpaid", "partially_paid")
    also = [Invoice.amount_paid.set(paid), Invoice.balance_due.set(balance),
            Invoice.agent_status.set(agent_status_key(invoice.agent_key, target)),
            Invoice.open_key.set(invoice.open_key or "open") if still_open else Invoice.open_key.remove()]
    now = business.clock().now()
    payment.created_at = payment.updated_at = now
    after = InvoiceBalanceOut(id=invoice.id, status=target, amount_paid=paid, balance_due=balance)  # type: ignore[arg-type]
    invoices.INVOICE.move(invoice, action, actor, history=History, also=also,
                          steps=[txn.put(payment, condition=Payment.id.does_not_exist()), *seal(payment, after)])
    invoice.amount_paid, invoice.balance_due = paid, balance
    invoice.keyed()
    return after


def list_payments(principal: Principal, invoice_id: int, window: Window) -> Slice:
    """The invoice's payments, oldest first (one Query on `invoice-index`)."""
    invoices.visible(principal, invoice_id)
    return query_page(Payment.invoice_index, invoice_id, window)


def count_payments(invoice_id: int) -> int:
    return Payment.invoice_index.count(invoice_id)
