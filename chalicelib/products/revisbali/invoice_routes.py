"""RevisBali's invoices and payments over HTTP (specs/revisbali.md "Invoice Management"), added to the
product's route table (routes.api). Everyone reads the invoices of the customers they see (an agent:
their own customers'); creating invoices, recalculating them and recording payments is office work
(staff and admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.api import Call, Reply
from chalicelib.core.idempotency import Seal, idempotent
from chalicelib.core.lazyschemas import Schemas
from chalicelib.products.revisbali.models import Payment
from chalicelib.products.revisbali.roles import ADMIN, EVERYONE, STAFF
from chalicelib.products.revisbali.routes import api
from chalicelib.products.revisbali.services import invoices, payments

if TYPE_CHECKING:
    from chalicelib.products.revisbali.invoice_schemas import (
        CalculationOut,
        InvoiceBalanceOut,
        InvoiceOut,
        PaymentCreatedOut,
    )

S = Schemas("chalicelib.products.revisbali.invoice_schemas")  # loaded on first use (core/lazyschemas.py)

OFFICE = frozenset({ADMIN, STAFF})
__all__ = ["api"]


@api.route("/api/invoices/", ["GET"], roles=EVERYONE, query=S.InvoiceQuery, response=list[S.InvoiceOut], paginated=True)
def list_invoices(call: Call) -> Reply:
    """Invoices of the customers the caller sees, newest first (`ordering=createdAt`: oldest), by
    `status`, `customerId` and `applicationId` (one the caller does not see: an empty page)."""
    query = call.query_model
    return call.listing(lambda window: invoices.list_invoices(call.user, query, window), invoices.rendered,
                        count=lambda: invoices.count_invoices(call.user, query))


@api.route("/api/invoices/", ["POST"], roles=OFFICE, request=S.InvoiceIn, response=S.InvoiceOut, status=201,
           errors=(409,))
def create_invoice(call: Call) -> InvoiceOut:
    """An `unpaid` invoice numbered INV-<year>-<id>, due 14 days later, for an application of the
    customer; the backend computes every total (tax rounded half-up to the cent)."""
    return invoices.rendered(invoices.create_invoice(call.user, call.body))


@api.route("/api/invoices/{id:int}/", ["GET"], roles=EVERYONE, response=S.InvoiceOut)
def get_invoice(call: Call) -> InvoiceOut:
    return invoices.rendered(invoices.visible(call.user, call.path["id"]))


@api.route("/api/invoices/{id:int}/calculate/", ["POST"], roles=OFFICE, response=S.CalculationOut, errors=(409,))
def calculate_invoice(call: Call) -> CalculationOut:
    """Recalculate the invoice's totals from its lines, rate and payments (a stored figure that differs
    is corrected)."""
    return invoices.calculate(call.user, call.path["id"])


@api.route("/api/invoices/{id:int}/payments/", ["GET"], roles=EVERYONE, response=list[S.PaymentOut], paginated=True)
def list_payments(call: Call) -> Reply:
    """The invoice's payments, oldest first."""
    invoice_id = call.path["id"]
    return call.listing(lambda window: payments.list_payments(call.user, invoice_id, window), S.PaymentOut,
                        count=lambda: payments.count_payments(invoice_id))


@api.route("/api/invoices/{id:int}/payments/", ["POST"], roles=OFFICE, request=S.PaymentIn,
           response=S.PaymentCreatedOut, status=201, errors=(409,), idempotent=True)
def create_payment(call: Call) -> PaymentCreatedOut | Reply:
    """A payment of more than 0 and at most the balance due, recorded with the invoice's new
    amountPaid, balanceDue and status in one transaction; `invoice` is the invoice after it. With an
    `Idempotency-Key`, a retry of the same request answers the first payment again."""
    def work(seal: Seal) -> PaymentCreatedOut:
        payment, after = payments.record_payment(call.user, call.path["id"], call.body,
                                                 seal=lambda made, balance: seal(_created(made, balance)))
        return _created(payment, after)
    return idempotent(call, work)


def _created(payment: Payment, after: InvoiceBalanceOut) -> PaymentCreatedOut:
    answer = S.PaymentOut.model_validate(payment, from_attributes=True)
    return S.PaymentCreatedOut(**answer.model_dump(), invoice=after)
