"""Prospects: a sales person's possible customers, and their conversion into a customer.

Lists are one Query: the caller's own (`sales-index`) unless they see everyone's, then by `status`,
`source` or all (`status-index`, `source-index`, `all-index`); other filters narrow that Query.
`search` is a Query on the prospects' word prefixes (name, company, contact, e-mail).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import query_page
from chalicelib.core.db.search import PrefixIndex, search_model
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.isp.models import PRODUCT, Prospect
from chalicelib.products.isp.services.common import Counters, Guards, find
from chalicelib.products.isp.services.owners import assign_steps, owner_for, sees_all

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import ProspectIn, ProspectQuery

MODULE = "prospects"
NOT_FOUND = "Prospect not found."
CONVERTED = "converted"
prospect_ids = IdSequence(Counters, "prospects")
ProspectSearch = search_model(PRODUCT, "prospects")
SEARCH = PrefixIndex(ProspectSearch)


def _searchable(prospect: Prospect) -> tuple[str | None, ...]:
    return (prospect.name, prospect.company_name, prospect.contact_person, prospect.email)


def visible(principal: Principal, prospect_id: int) -> Prospect:
    """The prospect, if the caller may see it (404 otherwise)."""
    prospect = find(Prospect, prospect_id)
    if prospect is None or not (sees_all(principal, MODULE) or prospect.sales_person == principal.user_id):
        raise NotFound(NOT_FOUND)
    return prospect


def _apply(prospect: Prospect, body: ProspectIn, owner: int) -> None:
    for name in ("name", "company_name", "email", "phone", "address", "potential_revenue", "contact_person",
                 "source", "notes", "status"):
        setattr(prospect, name, getattr(body, name))
    prospect.follow_up_date = body.follow_up_date.isoformat() if body.follow_up_date else None
    prospect.sales_person = owner


def create_prospect(principal: Principal, body: ProspectIn) -> Prospect:
    if body.status == CONVERTED:
        raise ValidationFailed({"status": ["A prospect becomes converted through its conversion only."]})
    owner = owner_for(principal, MODULE, body.sales_person, "sales_person")
    prospect = Prospect(prospect_ids.next())
    _apply(prospect, body, owner)
    txn.run(Guards, [txn.put(prospect, condition=Prospect.id.does_not_exist()),
                     *assign_steps("sales_person", None, owner)])
    SEARCH.replace(prospect.id, (), _searchable(prospect))
    return prospect


def _current(prospect: Prospect) -> ProspectIn:
    from chalicelib.products.isp.schemas import ProspectIn

    values = {name: getattr(prospect, name) for name in ProspectIn.model_fields}
    values["follow_up_date"] = date.fromisoformat(prospect.follow_up_date) if prospect.follow_up_date else None
    return ProspectIn.model_construct(**values)


def update_prospect(principal: Principal, prospect_id: int, body: Any, *, partial: bool) -> Prospect:
    """PUT or PATCH. A converted prospect keeps its status; no other may be set to converted."""
    from chalicelib.products.isp.schemas import ProspectIn

    prospect = visible(principal, prospect_id)
    full: ProspectIn = merged(_current(prospect), body, ProspectIn) if partial else body
    if (full.status == CONVERTED) != (prospect.status == CONVERTED):
        raise ValidationFailed({"status": ["A prospect becomes converted through its conversion only, and stays so."]})
    owner = owner_for(principal, MODULE, full.sales_person, "sales_person", prospect.sales_person)
    before, old_owner = _searchable(prospect), prospect.sales_person
    _apply(prospect, full, owner)
    txn.run(Guards, [txn.put(prospect), *assign_steps("sales_person", old_owner, owner)])
    prospect.refresh()
    SEARCH.replace(prospect.id, before, _searchable(prospect))
    return prospect


def delete_prospect(principal: Principal, prospect_id: int) -> None:
    prospect = visible(principal, prospect_id)
    txn.run(Guards, [txn.delete(prospect), *assign_steps("sales_person", prospect.sales_person, None)])
    SEARCH.replace(prospect.id, _searchable(prospect), ())


def list_prospects(principal: Principal, query: ProspectQuery, window: Window) -> Slice:
    owner = query.sales_person
    if not sees_all(principal, MODULE):
        if owner not in (None, principal.user_id):
            return Slice([], None)
        owner = principal.user_id
    if query.search:
        return SEARCH.records(Prospect, query.search, window, _searchable, lambda p: (
            (owner is None or p.sales_person == owner)
            and (query.status is None or p.status == query.status)
            and (query.source is None or p.source == query.source)))
    forward = query.ordering is None or not query.ordering.startswith("-")
    filters = {"sales_person": owner, "status": query.status, "source": query.source}
    indexes = {"sales_person": Prospect.sales_index, "status": Prospect.status_index, "source": Prospect.source_index}
    keyed = next((name for name, value in filters.items() if value is not None), None)
    source, key = (indexes[keyed], filters.pop(keyed)) if keyed else (Prospect.all_index, "prospect")
    condition = None
    for name, value in filters.items():
        if value is not None:
            clause = getattr(Prospect, name) == value
            condition = clause if condition is None else condition & clause
    return query_page(source, key, window, scan_index_forward=forward, filter_condition=condition)
