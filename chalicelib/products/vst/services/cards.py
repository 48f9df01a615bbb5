"""VST service cards: who may create, see and change them, soft delete, and the lists' filters.

A customer sees only their own cards (another's is 404); workers and admins see all. Admins create and
change cards; a customer may create and change their own only when `CRM_ALLOW_CUSTOMER_CARD_CREATE`
is true, and never its owner, type, region, installation or warranty dates (those decide free
services and who is sent: 403). DELETE is soft: the card leaves every list and its detail answers
404, while its services and their history stay.

Every list is a Query on an index: `customer-index`, `region-index` (lower-cased region),
`type-index`, or `all-index`; other filters given with one of them are a filter on that Query.
`search` is a Query on the card-search table (core/db/search.py): word prefixes of the card's model,
customer name, address, city, postal code and region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import get_or_404, query_page
from chalicelib.core.db.search import PrefixIndex, search_model
from chalicelib.core.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.products.vst.models import PRODUCT, Card, User
from chalicelib.products.vst.services import warranty
from chalicelib.products.vst.services.common import ADMIN, CUSTOMER, Counters, find
from chalicelib.products.vst.settings import settings

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import CardIn, CardQuery

card_ids = IdSequence(Counters, "cards")
CardSearch = search_model(PRODUCT, "cards")
SEARCH = PrefixIndex(CardSearch)
NOT_FOUND = "Card not found."
ADMIN_ONLY = ("customer", "card_type", "region", "date_of_installation", "warranty_start_date", "warranty_end_date")


def _searchable(card: Card) -> tuple[str | None, ...]:
    return (card.model, card.customer_name, card.address, card.city, card.postal_code, card.region)


def _is_customer(principal: Principal) -> bool:
    return CUSTOMER in principal.roles and ADMIN not in principal.roles


def _may_self_manage(principal: Principal) -> bool:
    if not _is_customer(principal) or not settings().allow_customer_card_create:
        raise Forbidden("You do not have permission to perform this action.")
    return True


def _check_dates(body: CardIn) -> None:
    start, end = body.warranty_start_date, body.warranty_end_date
    if (start is None) != (end is None):
        missing = "warranty_end_date" if end is None else "warranty_start_date"
        raise ValidationFailed({missing: ["Give both warranty dates, or neither."]})
    if start is not None and end is not None and end < start:
        raise ValidationFailed({"warranty_end_date": ["The warranty cannot end before it starts."]})


def _owner(customer_id: int | None) -> User:
    user = find(User, customer_id) if customer_id is not None else None
    if user is None or user.role != CUSTOMER:
        raise ValidationFailed({"customer": [f'Invalid pk "{customer_id}" - customer does not exist.']})
    return user


def _apply(card: Card, body: CardIn, owner: User) -> None:
    card.model, card.customer = body.model, owner.id
    card.customer_name = body.customer_name or owner.name
    card.card_type, card.region = body.card_type.lower(), body.region
    card.address, card.city, card.postal_code = body.address, body.city, body.postal_code
    for name in ("date_of_installation", "warranty_start_date", "warranty_end_date"):
        value = getattr(body, name)
        setattr(card, name, value.isoformat() if value is not None else None)
    card.live()


def create_card(principal: Principal, body: CardIn) -> Card:
    if _is_customer(principal):
        _may_self_manage(principal)
        if body.customer not in (None, principal.user_id):
            raise Forbidden("You can only create cards for yourself.")
        body = body.model_copy(update={"customer": principal.user_id})
    elif body.customer is None:
        raise ValidationFailed({"customer": ["This field is required."]})
    _check_dates(body)
    owner = _owner(body.customer)
    card = Card(card_ids.next())
    _apply(card, body, owner)
    card.save(condition=Card.id.does_not_exist())
    SEARCH.replace(card.id, (), _searchable(card))
    warranty.follow(card)
    return card


def _visible(principal: Principal, card_id: int) -> Card:
    card = find(Card, card_id)
    if card is None or card.deleted_at is not None or (_is_customer(principal) and card.customer != principal.user_id):
        raise NotFound(NOT_FOUND)
    return card


def get_card(principal: Principal, card_id: int) -> Card:
    return _visible(principal, card_id)


def update_card(principal: Principal, card_id: int, body: CardIn | Any, *, partial: bool) -> Card:
    """PUT (the whole card) or PATCH (the fields sent, over the card's current values)."""
    from chalicelib.products.vst.schemas import CardIn, CardOut

    card = _visible(principal, card_id)
    current = CardOut.model_validate(card, from_attributes=True)
    full: CardIn = merged(current, body, CardIn) if partial else body
    if full.customer is None:
        full = full.model_copy(update={"customer": card.customer})
    if _is_customer(principal):
        _may_self_manage(principal)
        changed = [name for name in ADMIN_ONLY if getattr(full, name) != getattr(current, name)
                   and not (name == "card_type" and str(full.card_type).lower() == current.card_type)]
        if changed:
            raise Forbidden(f"Only an admin can change {', '.join(changed)}.")
    _check_dates(full)
    owner = _owner(full.customer) if full.customer != card.customer else find(User, card.customer)
    before, milestones = _searchable(card), warranty.milestones(card)
    _apply(card, full, owner or _owner(full.customer))
    card.save()
    SEARCH.replace(card.id, before, _searchable(card))
    warranty.follow(card, milestones)
    return card


def delete_card(card_id: int) -> None:
    """Soft delete: the index keys go (the card leaves every list), its search terms and warranty
    milestones too."""
    card = get_or_404(Card, card_id, NOT_FOUND)
    if card.deleted_at is not None:
        raise NotFound(NOT_FOUND)
    before, milestones = _searchable(card), warranty.milestones(card)
    card.update(actions=[Card.deleted_at.set(utcnow()), Card.kind.remove(), Card.customer_key.remove(),
                         Card.region_key.remove(), Card.type_key.remove()])
    SEARCH.replace(card.id, before, ())
    warranty.follow(card, milestones)


def list_cards(principal: Principal, query: CardQuery, page: Window) -> Slice:
    customer = query.customer
    if _is_customer(principal):
        if customer not in (None, principal.user_id):
            return Slice([], None)
        customer = principal.user_id
    region = query.region.casefold() if query.region else None
    card_type = query.card_type.lower() if query.card_type else None
    if query.search:
        return SEARCH.records(Card, query.search, page, _searchable, lambda card: (
            card.deleted_at is None
            and (customer is None or card.customer == customer)
            and (region is None or card.region_key == region)
            and (card_type is None or card.type_key == card_type)))
    filters = []
    if customer is not None:
        source, key = Card.customer_index, customer
    elif region is not None:
        source, key, region = Card.region_index, region, None
    elif card_type is not None:
        source, key, card_type = Card.type_index, card_type, None
    else:
        source, key = Card.all_index, "card"
    if region is not None:
        filters.append(Card.region_key == region)
    if card_type is not None:
        filters.append(Card.type_key == card_type)
    condition = None
    for item in filters:
        condition = item if condition is None else condition & item
    return query_page(source, key, page, filter_condition=condition)
