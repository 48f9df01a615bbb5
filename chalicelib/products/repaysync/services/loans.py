"""RepaySync loans: a unique account number, counted under their customer, listed by officer copy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.read import batch_get, get_or_404, query_page
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.repaysync.models import Customer, Loan
from chalicelib.products.repaysync.services.common import (
    CUSTOMER_LOANS,
    LOAN_INTERACTIONS,
    Guards,
    assigned_to,
    find,
    loan_ids,
    sees_all,
)
from chalicelib.products.repaysync.services.customers import get_customer

if TYPE_CHECKING:
    from chalicelib.products.repaysync.schemas import LoanIn


def _account_guard(number: str) -> Guard:
    return Guard("loan", "loan_account_number", number, "A loan with this loan account number already exists.")


def _customer_exists(customer_id: int) -> txn.Step:
    return txn.check(Customer, customer_id, Customer.id.exists(), ValidationFailed(
        {"customer": [f"Invalid pk \"{customer_id}\" - customer does not exist."]}))


def _customer_unchanged(customer: Customer) -> txn.Step:
    """The customer read for its officer is still that version (else the loan's copy could be stale)."""
    return txn.check(Customer, customer.id, Customer.version == customer.version, Conflict(
        "The customer changed while the loan was being saved; try again."))


def _loan_customer(customer_id: int) -> Customer:
    customer = find(Customer, customer_id)
    if customer is None:
        raise ValidationFailed({"customer": [f"Invalid pk \"{customer_id}\" - customer does not exist."]})
    return customer


def get_loan(principal: Principal, loan_id: int) -> Loan:
    loan = get_or_404(Loan, loan_id, "Loan not found.")
    if not sees_all(principal) and not assigned_to(principal, find(Customer, loan.customer)):
        raise NotFound("Loan not found.")
    return loan


def list_loans(principal: Principal, page: Window) -> Slice:
    if sees_all(principal):
        return query_page(Loan.all_index, "loan", page)
    if principal.user_id is None:
        return Slice([], None)
    listed = query_page(Loan.officer_index, principal.user_id, page)
    # The loan's officer is a copy; the customer's assignment is the truth. A copy left stale by an
    # interrupted reassignment must never show another officer's loan.
    customers = batch_get(Customer, {loan.customer for loan in listed.items})
    return Slice([loan for loan in listed.items if assigned_to(principal, customers.get(loan.customer))],
                listed.last)


def list_customer_loans(principal: Principal, customer_id: int, page: Window) -> Slice:
    get_customer(principal, customer_id)
    return query_page(Loan.customer_index, customer_id, page)


def _loan_fields(body: LoanIn) -> dict[str, Any]:
    data = body.model_dump()
    data["loan_date"] = body.loan_date.isoformat()
    return data


def create_loan(body: LoanIn) -> Loan:
    customer = _loan_customer(body.customer)
    loan = Loan(loan_ids.next(), officer=customer.assigned_collection_officer, **_loan_fields(body))
    txn.run(Guards, [
        _customer_unchanged(customer),
        txn.claim(Guards, _account_guard(body.loan_account_number), str(loan.id)),
        CUSTOMER_LOANS.add(body.customer),
        txn.put(loan),
    ])
    return loan


def update_loan(loan_id: int, changes: LoanIn, *, partial: bool) -> Loan:
    """PUT (`partial=False`) or PATCH (`changes` is a LoanPatch, laid over the record)."""
    from chalicelib.products.repaysync.schemas import LoanIn, LoanOut

    loan = get_or_404(Loan, loan_id, "Loan not found.")
    body = merged(LoanOut.model_validate(loan, from_attributes=True), changes, LoanIn) if partial else changes
    old_number, old_customer = loan.loan_account_number, loan.customer
    steps: list[txn.Step] = []
    if body.customer != old_customer:
        customer = _loan_customer(body.customer)
        loan.officer = customer.assigned_collection_officer
        steps += [_customer_unchanged(customer), CUSTOMER_LOANS.add(body.customer),
                  CUSTOMER_LOANS.remove(old_customer)]
    steps += txn.swap(Guards, _account_guard(old_number), _account_guard(body.loan_account_number), str(loan_id))
    for name, value in _loan_fields(body).items():
        setattr(loan, name, value)
    txn.run(Guards, [*steps, txn.put(loan)])
    return loan


def delete_loan(loan_id: int) -> None:
    loan = get_or_404(Loan, loan_id, "Loan not found.")
    txn.run(Guards, [
        LOAN_INTERACTIONS.none_left(loan_id),
        CUSTOMER_LOANS.remove(loan.customer),
        txn.release(Guards, _account_guard(loan.loan_account_number)),
        txn.delete(loan),
    ])
