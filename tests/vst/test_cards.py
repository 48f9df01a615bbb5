"""VST cards: create (admin; a customer only when allowed and for themselves), list with filters and
search (customers see their own), detail, PUT/PATCH, soft delete."""

from __future__ import annotations

import json

import pytest

from tests.vst.conftest import bearer, make_user

CARDS = "/api/crm/cards/"


def body(response):
    return json.loads(response.body)


def card_body(customer, **overrides):
    data = {"model": "AquaPure X1", "customer": customer, "customer_name": "Ramesh", "card_type": "normal",
            "region": "rajapalayam", "address": "12 MG Road", "city": "Rajapalayam", "postal_code": "626117",
            "date_of_installation": "2025-09-15", "warranty_start_date": "2025-09-15",
            "warranty_end_date": "2026-09-14"}
    data.update(overrides)
    return data


@pytest.fixture()
def allow_customer_cards(setting):
    setting("CRM_ALLOW_CUSTOMER_CARD_CREATE", "true")


def create(http, world, **overrides):
    owner = overrides.pop("customer", world.users["customer"].id)
    response = http.post(CARDS, card_body(owner, **overrides), world.as_("admin"))
    assert response.status_code == 201, response.body
    return body(response)


def test_admin_creates_a_card_as_the_spec_shows(http, world):
    card = create(http, world)
    assert card == {**card_body(world.users["customer"].id), "id": card["id"], "created_at": card["created_at"],
                    "updated_at": card["updated_at"]}
    assert body(http.get(f"{CARDS}{card['id']}/", world.as_("customer"))) == {**card, "services": []}
    assert body(http.get(f"{CARDS}{card['id']}/", world.as_("worker"))) == {**card, "services": []}


def test_customer_name_defaults_to_the_customers_name(http, world):
    data = card_body(world.users["customer"].id)
    del data["customer_name"], data["card_type"]
    card = body(http.post(CARDS, data, world.as_("admin")))
    assert card["customer_name"] == world.users["customer"].name and card["card_type"] == "normal"


def test_create_refusals(http, world):
    customer = world.users["customer"].id
    assert http.post(CARDS, card_body(customer)).status_code == 401
    assert http.post(CARDS, card_body(customer), world.as_("worker")).status_code == 403
    assert http.post(CARDS, card_body(customer), world.as_("customer")).status_code == 403  # not allowed by default
    cases = [card_body(world.users["worker"].id),  # not a customer
             card_body(999999), card_body(None), card_body(customer, postal_code="12345"),
             card_body(customer, warranty_end_date="2025-01-01"),  # ends before it starts
             card_body(customer, warranty_end_date=None),  # one date only
             card_body(customer, model=""), card_body(customer, card_type="no spaces"),
             card_body(True), card_body(customer, date_of_installation="2025-13-01"),
             card_body(customer, address="a\u0000b")]
    for case in cases:
        response = http.post(CARDS, case, world.as_("admin"))
        assert response.status_code == 400, (case, response.body)


@pytest.mark.parametrize("day", [0, 1757894400, "1757894400", "2025-09-15T00:00"])
@pytest.mark.parametrize("field", ["date_of_installation", "warranty_start_date", "warranty_end_date"])
def test_a_cards_day_is_yyyy_mm_dd_text(http, world, field, day):
    """`format: date` as the document says (pydantic alone reads 0 as 1970-01-01, and a midnight date-time)."""
    response = http.post(CARDS, card_body(world.users["customer"].id, **{field: day}), world.as_("admin"))
    assert response.status_code == 400 and list(body(response)) == [field], response.body
    card = create(http, world)
    patched = http.patch(f"{CARDS}{card['id']}/", {field: day}, world.as_("admin"))
    assert patched.status_code == 400 and list(body(patched)) == [field], patched.body


def test_a_customer_creates_their_own_card_only_when_allowed(http, world, allow_customer_cards):
    customer = world.users["customer"]
    mine = http.post(CARDS, card_body(None, model="Self Made"), world.as_("customer"))
    assert mine.status_code == 201, mine.body
    assert body(mine)["customer"] == customer.id
    assert http.post(CARDS, card_body(world.users["stranger"].id), world.as_("customer")).status_code == 403
    assert http.post(CARDS, card_body(customer.id), world.as_("worker")).status_code == 403


def test_customers_see_only_their_own_cards(http, world):
    mine = create(http, world)
    theirs = create(http, world, customer=world.users["stranger"].id, customer_name="Stranger")
    listed = body(http.get(CARDS, world.as_("customer")))
    assert mine["id"] in {c["id"] for c in listed} and theirs["id"] not in {c["id"] for c in listed}
    assert {c["customer"] for c in listed} == {world.users["customer"].id}
    assert body(http.get(f"{CARDS}?customer={world.users['stranger'].id}", world.as_("customer"))) == []
    assert http.get(f"{CARDS}{theirs['id']}/", world.as_("customer")).status_code == 404
    everyone = {c["id"] for c in body(http.get(CARDS + "?page_size=500", world.as_("worker")))}
    assert {mine["id"], theirs["id"]} <= everyone


def test_filters_by_customer_region_and_type(http, world):
    owner = make_user("customer")
    a = create(http, world, customer=owner.id, region="Madurai", card_type="normal")
    b = create(http, world, customer=owner.id, region="Rajapalayam", card_type="AMC")
    admin = world.as_("admin")
    assert [c["id"] for c in body(http.get(f"{CARDS}?customer={owner.id}", admin))] == [a["id"], b["id"]]
    by_region = body(http.get(f"{CARDS}?region=madurai&page_size=500", admin))
    assert a["id"] in {c["id"] for c in by_region} and {c["region"].lower() for c in by_region} == {"madurai"}
    by_type = body(http.get(f"{CARDS}?card_type=amc&page_size=500", admin))
    assert b["id"] in {c["id"] for c in by_type} and {c["card_type"] for c in by_type} == {"amc"}
    both = body(http.get(f"{CARDS}?customer={owner.id}&region=MADURAI&card_type=normal", admin))
    assert [c["id"] for c in both] == [a["id"]]
    for bad in ("customer=abc", "customer=0", "card_type=a%20b", "region=", "page_size=0", "cursor=x"):
        assert http.get(f"{CARDS}?{bad}", admin).status_code == 400, bad
    assert http.get(CARDS).status_code == 401


def test_search_finds_word_prefixes_without_a_scan(http, world):
    owner = make_user("customer")
    hit = create(http, world, customer=owner.id, model="Kent Grand Plus", address="4 Temple Street",
                 customer_name="Lakshmi Narayanan")
    create(http, world, customer=owner.id, model="Pureit Classic", address="9 Lake View")
    admin = world.as_("admin")
    for query in ("kent", "GRAND", "lakshmi temple", "templ", "narayanan kent"):
        ids = [c["id"] for c in body(http.get(f"{CARDS}?search={query}&customer={owner.id}", admin))]
        assert ids == [hit["id"]], query
    assert body(http.get(f"{CARDS}?search=kent%20zzzz&customer={owner.id}", admin)) == []
    response = http.get(f"{CARDS}?search=ab", admin)
    assert response.status_code == 400 and "search" in body(response)
    assert body(http.get(f"{CARDS}?search=kent", world.as_("stranger"))) == []  # not theirs


def test_search_follows_updates_and_deletes(http, world):
    owner = make_user("customer")
    card = create(http, world, customer=owner.id, model="Zeolite Alpha")
    admin = world.as_("admin")
    http.patch(f"{CARDS}{card['id']}/", {"model": "Quartz Beta"}, admin)
    assert body(http.get(f"{CARDS}?search=zeolite", admin)) == []
    assert [c["id"] for c in body(http.get(f"{CARDS}?search=quartz", admin))] == [card["id"]]
    http.delete(f"{CARDS}{card['id']}/", admin)
    assert body(http.get(f"{CARDS}?search=quartz", admin)) == []


def test_admin_replaces_and_patches_a_card(http, world):
    card = create(http, world)
    admin = world.as_("admin")
    replaced = http.put(f"{CARDS}{card['id']}/", card_body(world.users["customer"].id, model="AquaPure X2",
                                                          city="Madurai"), admin)
    assert replaced.status_code == 200, replaced.body
    assert body(replaced)["model"] == "AquaPure X2" and body(replaced)["city"] == "Madurai"
    patched = http.patch(f"{CARDS}{card['id']}/", {"warranty_end_date": "2027-09-14"}, admin)
    assert patched.status_code == 200 and body(patched)["warranty_end_date"] == "2027-09-14"
    assert body(patched)["model"] == "AquaPure X2"
    assert http.patch(f"{CARDS}{card['id']}/", {"warranty_end_date": "2020-01-01"}, admin).status_code == 400
    assert http.patch(f"{CARDS}{card['id']}/", {"model": None}, admin).status_code == 400
    assert http.put(f"{CARDS}{card['id']}/", {"model": "x"}, admin).status_code == 400
    assert http.patch(f"{CARDS}{card['id']}/", {"customer": world.users["worker"].id}, admin).status_code == 400
    moved = http.patch(f"{CARDS}{card['id']}/", {"customer": world.users["stranger"].id}, admin)
    assert body(moved)["customer"] == world.users["stranger"].id
    assert http.get(f"{CARDS}{card['id']}/", world.as_("customer")).status_code == 404
    assert http.get(f"{CARDS}{card['id']}/", world.as_("stranger")).status_code == 200


def test_update_refusals(http, world):
    card = create(http, world)
    url = f"{CARDS}{card['id']}/"
    assert http.patch(url, {"model": "x"}).status_code == 401
    assert http.patch(url, {"model": "x"}, world.as_("worker")).status_code == 403
    assert http.patch(url, {"model": "x"}, world.as_("customer")).status_code == 403  # not allowed by default
    assert http.patch(url, {"model": "x"}, world.as_("stranger")).status_code == 404
    assert http.patch(f"{CARDS}999999/", {"model": "x"}, world.as_("admin")).status_code == 404


def test_an_owner_changes_only_the_plain_fields_when_allowed(http, world, allow_customer_cards):
    card = create(http, world)
    url = f"{CARDS}{card['id']}/"
    mine = world.as_("customer")
    response = http.patch(url, {"model": "Renamed", "address": "New address"}, mine)
    assert response.status_code == 200 and body(response)["model"] == "Renamed"
    for field, value in (("warranty_end_date", "2030-01-01"), ("region", "madurai"), ("card_type", "amc"),
                         ("customer", world.users["stranger"].id)):
        refused = http.patch(url, {field: value}, mine)
        assert refused.status_code == 403, (field, refused.body)
    assert http.patch(url, {"model": "x"}, world.as_("stranger")).status_code == 404


def test_delete_is_soft_and_admin_only(http, world):
    card = create(http, world)
    url = f"{CARDS}{card['id']}/"
    assert http.delete(url).status_code == 401
    assert http.delete(url, world.as_("customer")).status_code == 403
    assert http.delete(url, world.as_("worker")).status_code == 403
    response = http.delete(url, world.as_("admin"))
    assert response.status_code == 204 and response.body == b""
    assert http.get(url, world.as_("admin")).status_code == 404
    assert http.delete(url, world.as_("admin")).status_code == 404
    assert http.patch(url, {"model": "x"}, world.as_("admin")).status_code == 404
    for query in ("", f"?customer={card['customer']}", "?region=rajapalayam", "?card_type=normal"):
        assert card["id"] not in {c["id"] for c in body(http.get(f"{CARDS}{query}&page_size=500".replace(
            "/&", "/?"), world.as_("admin")))}
    with world.settings():
        from chalicelib.products.vst.models import Card

        assert Card.get(card["id"]).deleted_at is not None  # kept: its services and history stay


def test_card_lists_follow_the_link_header(http, world):
    owner = make_user("customer")
    ids = [create(http, world, customer=owner.id)["id"] for _ in range(3)]
    seen, url = [], f"{CARDS}?customer={owner.id}&page_size=2"
    headers = bearer(owner)
    while url:
        response = http.get(url, headers)
        seen += [c["id"] for c in body(response)]
        link = response.headers.get("Link")
        url = link[link.index("/api/"):link.index(">")] if link else None
    assert seen == ids
