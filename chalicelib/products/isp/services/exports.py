"""Customer and bill exports (`?format=csv|excel`, through core's file answer and writer: formulas
neutralised, the file streamed as the Query pages come, never held whole).

Columns are what an import of the same kind reads (services/imports.py), so an exported file imports
again changing nothing, and a file edited in a spreadsheet can go back: `id` first, the computed figures
last (the import ignores `id` of customers, who are matched by e-mail, and `join_date`, `leave_date`,
`total_bill`, `total_due`, which the server sets). A bill row names its customer by id, e-mail and name
(read in one batch per 100 bills), so the file also imports where that customer does not exist yet.
A caller who sees only their own customers exports only those (one Query on `sales-index`); bills are
every bill (`bills.export`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.read import batch_get
from chalicelib.core.files.spec import ExportSpec
from chalicelib.products.isp.models import Bill, Customer
from chalicelib.products.isp.services.owners import sees_all

CUSTOMER_COLUMNS = ("id", "name", "company_name", "email", "phone", "address", "monthly_revenue",
                    "potential_revenue", "assigned_sales_person", "status", "join_date", "leave_date")
BILL_COLUMNS = ("id", "customer", "customer_email", "customer_name", "nttn_cap", "nttn_com", "billing_date",
                "iig_qt", "iig_qt_price", "fna", "fna_price", "ggc", "ggc_price", "discount", "total_received",
                "status", "remarks", "total_bill", "total_due")


def _cell(value: Any) -> Any:
    """Money with its two places, as the API shows it (a Decimal from DynamoDB may have lost them)."""
    return f"{value.quantize(Decimal('0.01')):f}" if isinstance(value, Decimal) else value


def _row(columns: tuple[str, ...]) -> Any:
    return lambda record: {name: _cell(getattr(record, name)) for name in columns}


CUSTOMERS = ExportSpec(name="customers", columns=CUSTOMER_COLUMNS, row=_row(CUSTOMER_COLUMNS), filename="customers")
BILLS = ExportSpec(name="bills", columns=BILL_COLUMNS, row=lambda values: values, filename="bills")


def customers_of(principal: Principal) -> Iterable[Customer]:
    if sees_all(principal, "customers"):
        return Customer.all_index.query("customer")
    return Customer.sales_index.query(principal.user_id or 0)


def all_bills() -> Iterable[dict[str, Any]]:
    """Every bill by id, with its customer's e-mail and name (one batch read per 100 bills)."""
    page: list[Bill] = []
    for bill in Bill.all_index.query("bill"):
        page.append(bill)
        if len(page) == 100:
            yield from _with_customers(page)
            page = []
    yield from _with_customers(page)


def _with_customers(page: list[Bill]) -> Iterable[dict[str, Any]]:
    people = batch_get(Customer, [bill.customer for bill in page])
    for bill in page:
        customer = people.get(bill.customer)
        values = {name: _cell(getattr(bill, name)) for name in BILL_COLUMNS if hasattr(bill, name)}
        values["customer_email"] = customer.email if customer else None
        values["customer_name"] = customer.name if customer else None
        yield values
