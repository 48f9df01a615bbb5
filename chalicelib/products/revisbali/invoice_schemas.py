"""Request and response bodies of RevisBali's invoices and payments (specs/revisbali.md "Invoice
Management"), camelCase on the wire. Money is Decimal: requests take at most 2 decimal places (a JSON
number or the same as a string), responses render strings with exactly 2 ("150.00")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer, WithJsonSchema

from chalicelib.core.decimals import Money, decimal_field, money
from chalicelib.core.fields import TEXT, IsoDate, QueryId, RecordId, whole_number
from chalicelib.core.wire import WireModel
from chalicelib.products.revisbali.schemas import Input

InvoiceStatus = Literal["unpaid", "partially_paid", "paid", "overdue"]
PaymentMethod = Literal["bank_transfer", "cash", "card", "e_wallet", "other"]
MAX_LINES = 50
Price = money(12, ge=0)  # below 10,000,000,000.00 a unit
Amount = money(14, gt=0)
Rate = decimal_field(5, 4, ge=0, le=1)  # 0 to 1 (100%), up to 4 places: "0.10", "0.125"


def _rate_text(value: Decimal) -> str:
    """A rate as sent, with at least 2 places: 0.1 -> "0.10", 0.125 -> "0.125"."""
    two = value.quantize(Decimal("0.01"))
    return f"{two:f}" if two == value else f"{value.normalize():f}"


RateOut = Annotated[Decimal, PlainSerializer(_rate_text, return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "pattern": r"^(?:0|1)\.[0-9]{2,4}$"}, mode="serialization")]


Quantity = whole_number(1, 10000)

class LineItemIn(Input):
    description: Annotated[str, Field(min_length=1, max_length=200), TEXT]
    quantity: Quantity
    price: Price


class InvoiceIn(Input):
    customer_id: RecordId
    application_id: RecordId = Field(description="An application of that customer.")
    line_items: Annotated[list[LineItemIn], Field(min_length=1, max_length=MAX_LINES)]
    tax_rate: Rate = Field(default=Decimal("0"), description="A fraction of the subtotal: 0.10 is 10%.")


class InvoiceQuery(Input):
    status: InvoiceStatus | None = None
    customer_id: QueryId | None = Field(default=None, description="One customer's invoices.")
    application_id: QueryId | None = Field(default=None, description="One application's invoices.")
    ordering: Literal["createdAt", "-createdAt"] | None = Field(
        default=None, description="Creation order (default `-createdAt`).")


class LineItemOut(WireModel):
    id: int
    description: str
    quantity: int
    price: Money
    total: Money


class InvoiceOut(WireModel):
    id: int
    invoice_number: str
    customer_id: int
    application_id: int
    line_items: list[LineItemOut]
    tax_rate: RateOut
    subtotal: Money
    tax: Money
    total: Money
    amount_paid: Money
    balance_due: Money
    status: InvoiceStatus
    due_date: datetime = Field(description="Midnight (as UTC) of the business date by which it is due.")
    created_at: datetime
    updated_at: datetime


class CalculationOut(WireModel):
    subtotal: Money
    tax: Money
    total: Money
    balance_due: Money


class PaymentIn(Input):
    amount: Amount = Field(description="More than 0 and at most the invoice's balanceDue.")
    payment_date: IsoDate | None = Field(default=None, description="Not after today (business date); "
                                                                   "default today.")
    payment_method: PaymentMethod
    reference: Annotated[str, Field(min_length=1, max_length=100), TEXT] | None = None


class InvoiceBalanceOut(WireModel):
    id: int
    status: InvoiceStatus
    amount_paid: Money
    balance_due: Money


class PaymentOut(WireModel):
    id: int
    invoice_id: int
    amount: Money
    payment_date: date
    payment_method: str
    reference: str | None
    created_at: datetime


class PaymentCreatedOut(PaymentOut):
    invoice: InvoiceBalanceOut = Field(description="The invoice after the payment.")
