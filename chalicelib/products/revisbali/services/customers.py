"""Customers: CRUD scoped by agent, a unique e-mail, search and the spec's orderings.

An agent sees, creates and changes only the customers they look after (another's is 404); staff and
admins see every customer and may name any agent. An e-mail is unique case-insensitively (a guard item
in the customer's transaction). Lists are one Query on an index chosen by scope and ordering
(models.Customer); a search is one Query on the word-prefix table, then filtered by scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.read import query_page
from chalicelib.core.db.search import PrefixIndex, search_model
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.revisbali.models import PRODUCT, Country, Customer, User
from chalicelib.products.revisbali.roles import AGENT
from chalicelib.products.revisbali.services import customer_applications, customer_records
from chalicelib.products.revisbali.services.common import Guards, customer_ids, find

if TYPE_CHECKING:
    from chalicelib.products.revisbali.schemas import CustomerIn, CustomerOut, CustomerQuery

EMAIL_TAKEN = "Customer with this email already exists."
NO_COUNTRY = "Country with id {} does not exist."
NO_AGENT = "Agent with id {} does not exist."
HAS_APPLICATIONS = "This customer has applications; it cannot be deleted."
ONLY_YOURSELF = "Agents can only assign customers to themselves."
CustomerSearch = search_model(PRODUCT, "customers")
SEARCH = PrefixIndex(CustomerSearch)
SEARCH_WINDOW = 200  # prefix items read at a time
SEARCH_LIMIT = 500  # the matches a search reads, orders and counts (refine the words beyond)
# ordering -> (index over everyone, index over one agent's), forward
ORDERINGS: dict[str, tuple[Any, Any, bool]] = {
    "createdAt": (Customer.all_index, Customer.agent_index, True),
    "-createdAt": (Customer.all_index, Customer.agent_index, False),
    "firstName": (Customer.all_first_index, Customer.agent_first_index, True),
    "-firstName": (Customer.all_first_index, Customer.agent_first_index, False),
    "lastName": (Customer.all_last_index, Customer.agent_last_index, True),
    "-lastName": (Customer.all_last_index, Customer.agent_last_index, False),
}
DEFAULT_ORDERING = "-createdAt"


def email_guard(email: str) -> Guard:
    return Guard("customer", "email", email, EMAIL_TAKEN)


def _searchable(customer: Customer) -> tuple[str | None, ...]:
    return (customer.first_name, customer.last_name, customer.email)


def is_agent(principal: Principal) -> bool:
    return AGENT in principal.roles


def sees(principal: Principal, customer: Customer) -> bool:
    return not is_agent(principal) or customer.agent_id == principal.user_id


def visible(principal: Principal, customer_id: int) -> Customer:
    """The customer, if the caller may see it (404 otherwise, as for one that does not exist)."""
    customer = find(Customer, customer_id)
    if customer is None or not sees(principal, customer):
        raise NotFound(f"Customer with id {customer_id} not found.")
    return customer


def _agent(principal: Principal, asked: int | None) -> int | None:
    """Who looks after the customer: an agent, always themselves; staff and admins any agent or none."""
    if is_agent(principal):
        if asked not in (None, principal.user_id):
            raise ValidationFailed({"agent_id": [ONLY_YOURSELF]})
        return principal.user_id
    if asked is not None:
        agent = find(User, asked)
        if agent is None or agent.role != AGENT or not agent.is_active:
            raise ValidationFailed({"agent_id": [NO_AGENT.format(asked)]})
    return asked


def _agent_still_active(agent: int | None) -> list[txn.Step]:
    """The customer's transaction checks its agent is still active then (a user being removed is
    deactivated first, so no customer can name them once their removal has read their customers)."""
    if agent is None:
        return []
    return [txn.check(User, agent, User.is_active == 1, ValidationFailed({"agent_id": [NO_AGENT.format(agent)]}))]


def _check_country(country_id: int) -> None:
    if find(Country, country_id) is None:
        raise ValidationFailed({"country_id": [NO_COUNTRY.format(country_id)]})


def _apply(customer: Customer, body: CustomerIn, agent: int | None) -> None:
    for name in ("first_name", "last_name", "email", "phone_number", "customer_type", "country_id"):
        setattr(customer, name, getattr(body, name))
    customer.agent_id = agent
    customer.keyed()


def create_customer(principal: Principal, body: CustomerIn) -> Customer:
    agent = _agent(principal, body.agent_id)
    _check_country(body.country_id)
    if find(Guards, email_guard(body.email).key) is not None:
        raise ValidationFailed({"email": [EMAIL_TAKEN]})
    customer = Customer(customer_ids.next())
    _apply(customer, body, agent)
    txn.run(Guards, [txn.claim(Guards, email_guard(customer.email), str(customer.id)),
                     txn.put(customer, condition=Customer.id.does_not_exist()), *_agent_still_active(agent)])
    SEARCH.replace(customer.id, (), _searchable(customer))
    return customer


def _current(customer: Customer) -> CustomerIn:
    from chalicelib.products.revisbali.schemas import CustomerIn

    return CustomerIn.model_construct(**{name: getattr(customer, name) for name in CustomerIn.model_fields})


def update_customer(principal: Principal, customer_id: int, body: Any) -> Customer:
    """A merge patch: the fields sent change, the others stay; the e-mail guard moves in the same
    transaction when the address changes, and so do the customer's records when its agent does."""
    from chalicelib.products.revisbali.schemas import CustomerIn

    customer = visible(principal, customer_id)
    full: CustomerIn = merged(_current(customer), body, CustomerIn)
    agent = _agent(principal, full.agent_id) if "agent_id" in body.model_fields_set else customer.agent_id
    if "country_id" in body.model_fields_set:
        _check_country(full.country_id)
    if full.email.lower() != customer.email.lower() and find(Guards, email_guard(full.email).key) is not None:
        raise ValidationFailed({"email": [EMAIL_TAKEN]})
    before, old_email, old_agent = _searchable(customer), customer.email, customer.agent_id
    moved = agent != old_agent
    following = customer_records.follow_steps(customer.id, agent) if moved else []
    _apply(customer, full, agent)
    txn.run(Guards, [*txn.swap(Guards, email_guard(old_email), email_guard(customer.email), str(customer.id)),
                     txn.put(customer), *(_agent_still_active(agent) if moved else []), *(following or [])])
    customer.refresh()
    SEARCH.replace(customer.id, before, _searchable(customer))
    if following is None:  # too many records for one transaction: they follow one by one
        customer_records.follow_agent(customer.id, agent)
    return customer


def delete_customer(principal: Principal, customer_id: int) -> None:
    """Refused (409) while the customer has applications. The delete is conditional on the version
    read, and creating an application bumps that version in its own transaction, so an application
    created between the check and the delete makes the delete a 409 (or the creation, if it is later)."""
    customer = visible(principal, customer_id)
    if customer_applications.has_any(customer.id):
        raise Conflict(HAS_APPLICATIONS)
    txn.run(Guards, [txn.delete(customer), txn.release(Guards, email_guard(customer.email))])
    SEARCH.replace(customer.id, _searchable(customer), ())


class CustomerList:
    """One list request: a Query per window on the index the scope and ordering choose, and a
    Select=COUNT Query on it for the total."""

    def __init__(self, principal: Principal, query: CustomerQuery) -> None:
        everyone, one_agent, self.forward = ORDERINGS[query.ordering or DEFAULT_ORDERING]
        self.index, self.key = (one_agent, principal.user_id) if is_agent(principal) else (everyone, "customer")

    def page(self, window: Window) -> Slice:
        return query_page(self.index, self.key, window, scan_index_forward=self.forward)

    def count(self) -> int:
        return int(self.index.count(self.key))


class SearchResults:
    """A search request: its matches read once (at most SEARCH_LIMIT, through the word-prefix table,
    kept by scope and by every word), put in the list's ordering, then paged by position (the cursor
    holds the offset). So `ordering` applies to a search too, and `count` is exact up to SEARCH_LIMIT."""

    def __init__(self, principal: Principal, query: CustomerQuery) -> None:
        self.principal, self.words, self.ordering = principal, query.search or "", query.ordering or DEFAULT_ORDERING
        self._rows: list[Customer] | None = None

    def rows(self) -> list[Customer]:
        if self._rows is None:
            found: list[Customer] = []
            window = Window(SEARCH_WINDOW, None)
            while len(found) < SEARCH_LIMIT:
                part = SEARCH.records(Customer, self.words, window, _searchable,
                                      lambda customer: sees(self.principal, customer))
                found.extend(part.items)
                if part.last is None:
                    break
                window = Window(SEARCH_WINDOW, part.last)
            key = {"createdAt": lambda c: c.id, "firstName": lambda c: c.first_key,
                   "lastName": lambda c: c.last_key}[self.ordering.lstrip("-")]
            self._rows = sorted(found[:SEARCH_LIMIT], key=key, reverse=self.ordering.startswith("-"))
        return self._rows

    def page(self, window: Window) -> Slice:
        start = _offset(window.after)
        rows = self.rows()
        end = start + window.limit
        return Slice(rows[start:end], {"offset": {"N": str(end)}} if end < len(rows) else None)

    def count(self) -> int:
        return len(self.rows())


def _offset(after: Any) -> int:
    """The position a search page starts at (a cursor of another shape: 400 on `cursor`)."""
    if after is None:
        return 0
    try:
        if set(after) == {"offset"} and 0 <= int(after["offset"]["N"]) <= SEARCH_LIMIT:
            return int(after["offset"]["N"])
    except (KeyError, TypeError, ValueError):
        pass
    raise ValidationFailed({"cursor": ["Invalid cursor."]})


def customer_list(principal: Principal, query: CustomerQuery) -> CustomerList | SearchResults:
    """The list a request asks for: all the customers the caller sees, or a search among them."""
    return SearchResults(principal, query) if query.search else CustomerList(principal, query)


def rendered(customers: list[Customer]) -> list[CustomerOut]:
    """Customers as answered: their countries and agents read in one batch each per page."""
    from chalicelib.products.revisbali.schemas import AgentOut, CountryOut, CustomerOut
    from chalicelib.products.revisbali.services import countries, users

    places = countries.by_id(c.country_id for c in customers)
    agents = users.by_id(c.agent_id for c in customers)
    answers = []
    for customer in customers:
        country, agent = places.get(customer.country_id), agents.get(customer.agent_id)  # type: ignore[arg-type]
        answers.append(CustomerOut(
            id=customer.id, first_name=customer.first_name, last_name=customer.last_name, email=customer.email,
            phone_number=customer.phone_number, customer_type=customer.customer_type,  # type: ignore[arg-type]
            country=CountryOut(id=country.id, name=country.name, code=country.code) if country else None,
            agent=AgentOut(id=agent.id, name=agent.name) if agent else None,
            created_at=customer.created_at, updated_at=customer.updated_at))
    return answers
