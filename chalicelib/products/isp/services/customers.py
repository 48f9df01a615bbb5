"""Customers: CRUD with scoping by sales person, unique e-mail, and a prospect's conversion.

A customer's e-mail is unique case-insensitively (a guard item in its transaction): imports match
customers by it. Lists are one Query: the caller's own (`sales-index`) unless they see everyone's,
then by `assigned_sales_person`, `status` or all. Answers embed the sales person (one batch read per
page) and the billed total of the current month (one batch read of the revenue aggregates).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import query_page
from chalicelib.core.db.relations import Children
from chalicelib.core.db.search import PrefixIndex, search_model
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.isp.clock import clock
from chalicelib.products.isp.models import PRODUCT, Customer, Prospect
from chalicelib.products.isp.services import prospects, revenue
from chalicelib.products.isp.services.common import Counters, Guards, find
from chalicelib.products.isp.services.owners import assign_steps, sees_all, users_by_id

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import ConvertIn, CustomerIn, CustomerOut, CustomerQuery

MODULE = "customers"
NOT_FOUND = "Customer not found."
EMAIL_TAKEN = "customer with this email already exists."
ALREADY_CONVERTED = "This prospect has already been converted."
NO_SALES_PERSON = 0  # the sales-index key of an unassigned customer
customer_ids = IdSequence(Counters, "customers")
CustomerSearch = search_model(PRODUCT, "customers")
SEARCH = PrefixIndex(CustomerSearch)
CUSTOMER_BILLS = Children(Counters, "customer-bills", "This customer has bills; delete them first.")


def email_guard(email: str) -> Guard:
    return Guard("customer", "email", email, EMAIL_TAKEN)


def _searchable(customer: Customer) -> tuple[str | None, ...]:
    return (customer.name, customer.company_name, customer.email, customer.phone)


def find_by_email(email: str) -> Customer | None:
    return next(iter(Customer.email_index.query(email.strip().lower(), limit=1)), None)


def visible(principal: Principal, customer_id: int) -> Customer:
    """The customer, if the caller may see it (404 otherwise)."""
    customer = find(Customer, customer_id)
    if customer is None or not (sees_all(principal, MODULE) or customer.assigned_sales_person == principal.user_id):
        raise NotFound(NOT_FOUND)
    return customer


def _owner(principal: Principal, asked: int | None, current: int | None = None, *, keep: bool = False) -> int | None:
    """Who the customer is assigned to: anyone (or nobody) for a caller who sees every customer; the
    caller themselves for one who sees only their own (400 when they name someone else)."""
    chosen = current if keep else asked
    if sees_all(principal, MODULE):
        return chosen
    if chosen not in (None, principal.user_id):
        raise ValidationFailed({"assigned_sales_person": ["You can only assign records to yourself."]})
    return principal.user_id


def _apply(customer: Customer, body: CustomerIn, owner: int | None, today: date) -> None:
    for name in ("name", "company_name", "email", "phone", "address", "monthly_revenue", "potential_revenue"):
        setattr(customer, name, getattr(body, name))
    customer.email_key = body.email.lower()
    if body.status != customer.status:
        customer.leave_date = today.isoformat() if body.status == "Inactive" else None
    customer.status = body.status
    customer.assigned_sales_person = owner
    customer.sales_key = NO_SALES_PERSON if owner is None else owner


def create_customer(principal: Principal, body: CustomerIn) -> Customer:
    owner = _owner(principal, body.assigned_sales_person)
    if find(Guards, email_guard(body.email).key) is not None:
        raise ValidationFailed({"email": [EMAIL_TAKEN]})
    today = clock().today()
    customer = Customer(customer_ids.next(), join_date=today.isoformat(), status="Active")
    _apply(customer, body, owner, today)
    txn.run(Guards, [txn.claim(Guards, email_guard(customer.email), str(customer.id)),
                     txn.put(customer, condition=Customer.id.does_not_exist()),
                     *assign_steps("assigned_sales_person", None, owner)])
    SEARCH.replace(customer.id, (), _searchable(customer))
    return customer


def _current(customer: Customer) -> CustomerIn:
    from chalicelib.products.isp.schemas import CustomerIn

    return CustomerIn.model_construct(**{name: getattr(customer, name) for name in CustomerIn.model_fields})


def update_customer(principal: Principal, customer_id: int, body: Any, *, partial: bool) -> Customer:
    from chalicelib.products.isp.schemas import CustomerIn

    customer = visible(principal, customer_id)
    full: CustomerIn = merged(_current(customer), body, CustomerIn) if partial else body
    sent = "assigned_sales_person" in body.model_fields_set
    owner = _owner(principal, full.assigned_sales_person, customer.assigned_sales_person, keep=not sent)
    before, old_owner, old_email = _searchable(customer), customer.assigned_sales_person, customer.email
    _apply(customer, full, owner, clock().today())
    txn.run(Guards, [*txn.swap(Guards, email_guard(old_email), email_guard(customer.email), str(customer.id)),
                     txn.put(customer), *assign_steps("assigned_sales_person", old_owner, owner)])
    customer.refresh()
    SEARCH.replace(customer.id, before, _searchable(customer))
    return customer


def delete_customer(principal: Principal, customer_id: int) -> None:
    """Refused (409) while the customer has bills."""
    customer = visible(principal, customer_id)
    txn.run(Guards, [txn.delete(customer), txn.release(Guards, email_guard(customer.email)),
                     CUSTOMER_BILLS.none_left(customer.id),
                     *assign_steps("assigned_sales_person", customer.assigned_sales_person, None)])
    SEARCH.replace(customer.id, _searchable(customer), ())


def convert_prospect(principal: Principal, prospect_id: int, body: ConvertIn) -> Customer:
    """The prospect becomes a customer: its details, its sales person (or the one named), status
    Active; the prospect is marked converted and points at the customer, in one transaction."""
    from chalicelib.products.isp.schemas import CustomerIn

    prospect = prospects.visible(principal, prospect_id)
    if prospect.status == prospects.CONVERTED:
        raise Conflict(ALREADY_CONVERTED)
    if not prospect.email:
        raise ValidationFailed({"email": ["The prospect needs an e-mail address to become a customer."]})
    owner = _owner(principal, body.assigned_sales_person or prospect.sales_person)
    if find(Guards, email_guard(prospect.email).key) is not None:
        raise ValidationFailed({"email": [EMAIL_TAKEN]})
    today = clock().today()
    customer = Customer(customer_ids.next(), join_date=today.isoformat(), status="Active", prospect=prospect.id)
    _apply(customer, CustomerIn.model_construct(
        name=prospect.name, company_name=prospect.company_name, email=prospect.email, phone=prospect.phone,
        address=prospect.address, monthly_revenue=body.monthly_revenue, potential_revenue=prospect.potential_revenue,
        status="Active"), owner, today)
    converted = [Prospect.status.set(prospects.CONVERTED), Prospect.customer.set(customer.id)]
    txn.run(Guards, [txn.claim(Guards, email_guard(customer.email), str(customer.id)),
                     txn.put(customer, condition=Customer.id.does_not_exist()),
                     txn.update(prospect, converted,
                                condition=Prospect.status != prospects.CONVERTED, error=Conflict(ALREADY_CONVERTED)),
                     *assign_steps("assigned_sales_person", None, owner)])
    SEARCH.replace(customer.id, (), _searchable(customer))
    return customer


def list_customers(principal: Principal, query: CustomerQuery, window: Window) -> Slice:
    owner = query.assigned_sales_person
    if not sees_all(principal, MODULE):
        if owner not in (None, principal.user_id):
            return Slice([], None)
        owner = principal.user_id
    if query.search:
        return SEARCH.records(Customer, query.search, window, _searchable, lambda c: (
            (owner is None or c.assigned_sales_person == owner)
            and (query.status is None or c.status == query.status)))
    forward = query.ordering is None or not query.ordering.startswith("-")
    if owner is not None:
        condition = (Customer.status == query.status) if query.status else None
        return query_page(Customer.sales_index, owner, window, scan_index_forward=forward, filter_condition=condition)
    if query.status is not None:
        return query_page(Customer.status_index, query.status, window, scan_index_forward=forward)
    return query_page(Customer.all_index, "customer", window, scan_index_forward=forward)


def rendered(customers: list[Customer]) -> list[CustomerOut]:
    """Customers as answered: their sales people and this month's billed totals read in two batches."""
    from chalicelib.products.isp.schemas import CustomerOut, SalesPersonOut

    people = users_by_id([c.assigned_sales_person for c in customers])
    billed = revenue.billed_in_month([c.id for c in customers], clock().today())
    answers = []
    for customer in customers:
        person = people.get(customer.assigned_sales_person) if customer.assigned_sales_person else None
        answers.append(CustomerOut(
            id=customer.id, name=customer.name, company_name=customer.company_name, email=customer.email,
            phone=customer.phone, address=customer.address, monthly_revenue=customer.monthly_revenue,
            potential_revenue=customer.potential_revenue, calculated_monthly_revenue=billed[customer.id],
            status=customer.status, assigned_sales_person=customer.assigned_sales_person,
            assigned_sales_person_details=SalesPersonOut(id=person.id, username=person.username, email=person.email)
            if person is not None else None,
            join_date=date.fromisoformat(customer.join_date),
            leave_date=date.fromisoformat(customer.leave_date) if customer.leave_date else None,
            prospect=customer.prospect, created_at=customer.created_at, updated_at=customer.updated_at))
    return answers
