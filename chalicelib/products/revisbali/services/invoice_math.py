"""An invoice's arithmetic, in Decimal and nothing else: line totals, subtotal, tax, total, balance.

A line's total is quantity x price (exact: prices have 2 places); the tax is subtotal x rate rounded
half-up to the cent (Indonesian practice and what a person expects: 0.005 rounds up); the total is
subtotal + tax and the balance what is left after the payments.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.core.records import Record

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(quantity: int, price: Decimal) -> Decimal:
    return cents(Decimal(quantity) * price)


class Totals(Record, frozen=True):
    subtotal: Decimal
    tax: Decimal
    total: Decimal

    def balance(self, paid: Decimal) -> Decimal:
        return cents(self.total - paid)


def totals(line_totals: Iterable[Decimal], rate: Decimal) -> Totals:
    subtotal = cents(sum(line_totals, ZERO))
    tax = cents(subtotal * rate)
    return Totals(subtotal, tax, subtotal + tax)


def status_after_payment(balance: Decimal) -> str:
    """What a payment leaves: `paid` at a zero balance, else `partially_paid` (overdue stays overdue)."""
    return "paid" if balance <= 0 else "partially_paid"
