"""Leads (the spec's customers): who sees them, their lists and search, their creation.

A sales user sees only the leads assigned to them (another's is 404, as a missing one); managers and
admins see every lead. Lists are newest first, one Query on an index chosen by scope and `status`
(models.Customer); a search is one Query on the word-prefix table (name, area, phone number), then
kept by scope and status. A phone number is unique (a guard item in the lead's transaction), so the
same lead is never created twice.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.read import query_page
from chalicelib.core.db.search import PrefixIndex, search_model
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import NotFound
from chalicelib.core.paging import Slice, Window
from chalicelib.products.leads.models import PRODUCT, Customer
from chalicelib.products.leads.services import tallies
from chalicelib.products.leads.services.common import Guards
from chalicelib.products.leads.vocabulary import SALES, STATUS_DISPLAY

if TYPE_CHECKING:
    from chalicelib.products.leads.schemas import CustomerOut, CustomerQuery

NOT_FOUND = "Customer not found."
PHONE_TAKEN = "A customer with this phone number already exists."
CustomerSearch = search_model(PRODUCT, "customers", text_ids=True)
SEARCH = PrefixIndex(CustomerSearch)


def phone_guard(phone: str) -> Guard:
    return Guard("customer", "phone_number", phone, PHONE_TAKEN)


def national_digits(phone: str) -> str:
    """The number as people type it at home (`9876543210` for `+919876543210`): searchable too."""
    import phonenumbers

    try:
        return str(phonenumbers.parse(phone).national_number)
    except phonenumbers.NumberParseException:
        return ""


def searchable(customer: Customer) -> tuple[str | None, ...]:
    return (customer.name, customer.area, customer.phone_number, national_digits(customer.phone_number))


def is_sales(principal: Principal) -> bool:
    return principal.roles == {SALES}


def sees(principal: Principal, customer: Customer) -> bool:
    return not is_sales(principal) or customer.assigned_to == principal.user_id


def visible(principal: Principal, customer_id: str, *, consistent: bool = False) -> Customer:
    """The lead, if the caller may see it (404 otherwise, as for one that does not exist). `consistent`:
    a strongly consistent read, for a write retried because the lead changed (an eventually
    consistent read may still return the version that just lost)."""
    try:
        customer: Customer | None = Customer.get(customer_id, consistent_read=consistent)
    except Customer.DoesNotExist:
        customer = None
    if customer is None or not sees(principal, customer):
        raise NotFound(NOT_FOUND)
    return customer


def create_customer(name: str, phone_number: str, *, area: str = "", day: str | None = None,
                    status: str = "NEW") -> Customer:
    """A new unassigned lead and its phone guard in one transaction (400 on `phone_number` when taken)."""
    customer = Customer(str(uuid.uuid4()), name=name, phone_number=phone_number, area=area, date=day, status=status)
    customer.keyed()
    txn.run(Guards, [txn.claim(Guards, phone_guard(phone_number), customer.id, fresh=True),
                     txn.put(customer, condition=Customer.id.does_not_exist()), *tallies.created([status])])
    SEARCH.replace(customer.id, (), searchable(customer))
    return customer


def list_customers(principal: Principal, query: CustomerQuery, window: Window) -> Slice:
    status = query.status
    if query.search:
        return SEARCH.records(Customer, query.search, window, searchable,
                              lambda c: sees(principal, c) and (status is None or c.status == status))
    if is_sales(principal):
        if status:
            return query_page(Customer.assignee_status_index, f"{principal.user_id}#{status}", window,
                              scan_index_forward=False)
        return query_page(Customer.assignee_index, principal.user_id, window, scan_index_forward=False)
    if status:
        return query_page(Customer.status_index, status, window, scan_index_forward=False)
    return query_page(Customer.all_index, "customer", window, scan_index_forward=False)


def rendered(customers: list[Customer]) -> list[CustomerOut]:
    """Leads as answered: their sales users read in one batch per page."""
    from chalicelib.products.leads.schemas import AssigneeOut, CustomerOut
    from chalicelib.products.leads.services import users

    assignees = users.by_id(c.assigned_to for c in customers)
    answers = []
    for customer in customers:
        assignee = assignees.get(int(customer.assigned_to)) if customer.assigned_to is not None else None
        answers.append(CustomerOut(
            id=customer.id, name=customer.name, phone_number=customer.phone_number, area=customer.area,
            date=customer.date, status=customer.status, status_display=STATUS_DISPLAY[customer.status],  # type: ignore[arg-type]
            assigned_to=AssigneeOut(id=assignee.id, username=assignee.username) if assignee else None,
            created_at=customer.created_at, updated_at=customer.updated_at))
    return answers

