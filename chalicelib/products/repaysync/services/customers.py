"""RepaySync customers: scoped reads, a unique customer code (given or generated), officer copies on loans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.read import get_or_404, query_page
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.repaysync.models import Customer, Loan, User
from chalicelib.products.repaysync.services.common import (
    CODE_ATTEMPTS,
    CUSTOMER_LOANS,
    OFFICER,
    Guards,
    assigned_to,
    customer_ids,
    find,
    generated_code,
    sees_all,
)
from chalicelib.products.repaysync.services.users import is_active

if TYPE_CHECKING:
    from chalicelib.products.repaysync.schemas import CustomerIn


def code_guard(code: str) -> Guard:
    return Guard("customer", "customer_code", code, "A customer with this customer code already exists.")


def check_officer(officer_id: int | None) -> None:
    if officer_id is None:
        return
    if not is_active(find(User, officer_id), OFFICER):
        raise ValidationFailed({"assigned_collection_officer": [
            f"Invalid pk \"{officer_id}\" - no collection officer with this id."]})


def get_customer(principal: Principal, customer_id: int) -> Customer:
    customer = find(Customer, customer_id)
    if customer is None or not (sees_all(principal) or assigned_to(principal, customer)):
        raise NotFound("Customer not found.")
    return customer


def list_customers(principal: Principal, page: Window) -> Slice:
    if sees_all(principal):
        return query_page(Customer.all_index, "customer", page)
    if principal.user_id is None:
        return Slice([], None)
    return query_page(Customer.officer_index, principal.user_id, page)


def customer_fields(body: CustomerIn) -> dict[str, Any]:
    data = body.model_dump(exclude={"customer_code"})
    data["date_of_birth"] = body.date_of_birth.isoformat() if body.date_of_birth else None
    return data


def create_customer(body: CustomerIn) -> Customer:
    """A given code is kept (400 if taken); none generates one, retried on the rare clash."""
    check_officer(body.assigned_collection_officer)
    customer_id = customer_ids.next()
    for attempt in range(CODE_ATTEMPTS):
        code = body.customer_code or generated_code(customer_id, attempt)
        customer = Customer(customer_id, customer_code=code, **customer_fields(body))
        try:
            txn.run(Guards, [txn.claim(Guards, code_guard(code), str(customer_id)), txn.put(customer)])
            return customer
        except ValidationFailed:
            if body.customer_code:
                raise
    raise Conflict("Could not generate a unique customer code; try again.")


def update_customer(customer_id: int, changes: CustomerIn, *, partial: bool) -> Customer:
    """PUT (`partial=False`) or PATCH (`changes` is a CustomerPatch, laid over the record); an omitted
    or null customer_code keeps the current code."""
    from chalicelib.products.repaysync.schemas import CustomerIn, CustomerOut

    customer = get_or_404(Customer, customer_id, "Customer not found.")
    body = merged(CustomerOut.model_validate(customer, from_attributes=True), changes, CustomerIn) if partial \
        else changes
    if body.assigned_collection_officer != customer.assigned_collection_officer:
        check_officer(body.assigned_collection_officer)
    old_code = customer.customer_code
    new_code = body.customer_code or old_code
    for name, value in customer_fields(body).items():
        setattr(customer, name, value)
    customer.customer_code = new_code
    code_steps = txn.swap(Guards, code_guard(old_code), code_guard(new_code), str(customer_id))
    txn.run(Guards, [txn.put(customer), *code_steps])
    _sync_loan_officers(customer_id, customer.assigned_collection_officer)
    return customer


def _sync_loan_officers(customer_id: int, officer: int | None) -> None:
    """Copy the customer's officer onto its loans (the officer's loan list reads that copy).

    Runs on every customer update and touches only loans whose copy differs, so a reassignment
    that was interrupted is completed by the next save of the customer."""
    for loan in Loan.customer_index.query(customer_id):
        for _ in range(3):
            if loan.officer == officer:
                break
            action = Loan.officer.set(officer) if officer is not None else Loan.officer.remove()
            try:
                loan.update(actions=[action])
                break
            except Conflict:
                loan = find(Loan, loan.id)  # changed meanwhile: re-read and retry
                if loan is None:
                    break


def delete_customer(customer_id: int) -> None:
    customer = get_or_404(Customer, customer_id, "Customer not found.")
    txn.run(Guards, [
        CUSTOMER_LOANS.none_left(customer_id),
        txn.release(Guards, code_guard(customer.customer_code)),
        txn.delete(customer),
    ])
