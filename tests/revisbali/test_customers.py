"""Customers: the spec's shapes, search/ordering/pages, unique e-mail, countries, an agent's own only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.revisbali.conftest import AUSTRALIA, INDONESIA, customer_body


def test_create_answers_the_spec_shape(world):
    agent = world.users["agent"]
    created = world.client("staff").post("/api/customers/", customer_body(agentId=agent.id), expect=201).json_body
    assert {key: value for key, value in created.items() if key not in ("id", "createdAt", "updatedAt")} == {
        "firstName": "Alice", "lastName": "Johnson", "email": "alice.j@example.com", "phoneNumber": "+62812987654",
        "customerType": "individual", "country": {"id": INDONESIA, "name": "Indonesia", "code": "ID"},
        "agent": {"id": agent.id, "name": "Agent Tester"}}
    assert created["createdAt"].endswith(("Z", "+00:00"))
    detail = world.client("agent").get(f"/api/customers/{created['id']}/", expect=200).json_body
    assert detail == {**created, "applications": []}


def test_an_agents_customer_is_their_own(world):
    me = world.users["agent"].id
    created = world.client("agent").post("/api/customers/", customer_body(), expect=201).json_body
    assert created["agent"]["id"] == me
    body = world.client("agent").post("/api/customers/", customer_body(email="x@example.com",
                                                                       agentId=world.users["other_agent"].id),
                                      expect=400).json_body
    assert body == {"code": "validation_error",
                    "errors": {"agentId": ["Agents can only assign customers to themselves."]}}


def test_duplicate_email_is_the_documented_400(world):
    assert world.client("admin").post("/api/customers/", customer_body(email="CLIENT0@example.com"),
                                      expect=400).json_body == {
        "code": "validation_error", "errors": {"email": ["Customer with this email already exists."]}}


@pytest.mark.parametrize(("change", "field"), [
    ({"countryId": 999}, "countryId"), ({"countryId": None}, "countryId"), ({"firstName": ""}, "firstName"),
    ({"firstName": "x" * 101}, "firstName"), ({"email": "not-an-email"}, "email"),
    ({"customerType": "alien"}, "customerType"), ({"phoneNumber": "12"}, "phoneNumber"),
    ({"phoneNumber": "+1000000"}, "phoneNumber"),  # the document's pattern, but no number libphonenumber knows
    ({"agentId": 999999}, "agentId")])
def test_create_refuses_bad_input(world, change, field):
    body = world.client("admin").post("/api/customers/", customer_body(**change), expect=400).json_body
    assert body["code"] == "validation_error" and field in body["errors"]


def test_the_document_names_the_countries_a_customer_may_have(world):
    """The countries are fixed (ISO 3166-1): the document lists their ids, so a client (or the fuzzer, whose
    customers all failed on `Country with id 1 does not exist.`) sends one that exists."""
    admin = world.client("admin")
    schemas = admin.get("/openapi.json", expect=200).json_body["components"]["schemas"]
    allowed = schemas["CustomerIn"]["properties"]["countryId"]["enum"]
    listed = [country["id"] for country in admin.get("/api/countries/?pageSize=100", expect=200).json_body["results"]]
    assert set(listed) <= set(allowed) and 1 not in allowed and len(allowed) == len(set(allowed)) > 200
    assert schemas["CustomerPatch"]["properties"]["countryId"]["enum"] == allowed
    for country in (allowed[0], allowed[-1]):
        body = customer_body(countryId=country, email=f"c{country}@example.com")
        assert admin.post("/api/customers/", body, expect=201).json_body["country"]["id"] == country


def test_staff_cannot_name_a_non_agent(world):
    body = world.client("staff").post("/api/customers/", customer_body(agentId=world.users["admin"].id),
                                      expect=400).json_body
    assert "agentId" in body["errors"]


def test_agents_see_only_their_own(world):
    mine, theirs = world.customers["agent"].id, world.customers["other_agent"].id
    agent = world.client("agent")
    listed = agent.get("/api/customers/", expect=200).json_body
    assert [row["id"] for row in listed["results"]] == [mine] and listed["count"] == 1
    agent.get(f"/api/customers/{theirs}/", expect=404)
    agent.patch(f"/api/customers/{theirs}/", {"firstName": "Mine"}, expect=404)
    agent.delete(f"/api/customers/{theirs}/", expect=404)
    assert agent.get("/api/customers/?search=client1", expect=200).json_body["count"] == 0
    staff = world.client("staff").get("/api/customers/", expect=200).json_body
    assert staff["count"] == 2 and [row["id"] for row in staff["results"]] == [theirs, mine]  # newest first


def test_missing_customer_is_a_coded_404(world):
    assert world.client("admin").get("/api/customers/999/", expect=404).json_body == {
        "code": "not_found", "errors": {"detail": "Customer with id 999 not found."}}


def test_search_ordering_and_pages(world):
    admin = world.client("admin")
    for first, last in (("Zed", "Adams"), ("Amy", "Young"), ("John", "Doe"), ("Johnny", "Walker")):
        admin.post("/api/customers/", customer_body(firstName=first, lastName=last, email=f"{first}@mail.com"),
                   expect=201)
    found = admin.get("/api/customers/?search=john", expect=200).json_body
    assert found["count"] == 2 and {row["firstName"] for row in found["results"]} == {"John", "Johnny"}
    assert admin.get("/api/customers/?search=zed%40mail", expect=200).json_body["count"] == 1
    names = [row["firstName"] for row in admin.get("/api/customers/?ordering=firstName", expect=200)
             .json_body["results"]]
    assert names == sorted(names, key=str.casefold)
    lasts = [row["lastName"] for row in admin.get("/api/customers/?ordering=-lastName", expect=200)
             .json_body["results"]]
    assert lasts == sorted(lasts, key=str.casefold, reverse=True)
    page = admin.get("/api/customers/?pageSize=4&ordering=createdAt", expect=200).json_body
    assert page["count"] == 6 and len(page["results"]) == 4 and "pageSize=4" in page["next"]
    following = urlsplit(page["next"])
    rest = admin.get(f"{following.path}?{following.query}", expect=200).json_body
    assert len(rest["results"]) == 2 and rest["next"] is None
    assert admin.get("/api/customers/?ordering=email", expect=400).json_body["code"] == "validation_error"
    assert admin.get("/api/customers/?pageSize=101", expect=400).json_body["code"] == "validation_error"
    admin.get("/api/customers/?search=jo", expect=400)


def test_patch_changes_what_was_sent(world):
    mine = world.customers["agent"].id
    agent = world.client("agent")
    changed = agent.patch(f"/api/customers/{mine}/", {"lastName": "Smith", "countryId": AUSTRALIA},
                          expect=200).json_body
    assert changed["lastName"] == "Smith" and changed["firstName"] == "Client0"
    assert changed["country"]["code"] == "AU"
    assert agent.get("/api/customers/?search=smith", expect=200).json_body["count"] == 1
    agent.patch(f"/api/customers/{mine}/", {"email": "client1@example.com"}, expect=400)
    agent.patch(f"/api/customers/{mine}/", {"email": "CLIENT0@example.com"}, expect=200)  # its own, another case
    agent.patch(f"/api/customers/{mine}/", {"countryId": 999}, expect=400)
    agent.patch(f"/api/customers/{mine}/", {"firstName": ""}, expect=400)


def test_staff_reassign_and_delete(world):
    theirs = world.customers["other_agent"].id
    staff = world.client("staff")
    moved = staff.patch(f"/api/customers/{theirs}/", {"agentId": world.users["agent"].id}, expect=200).json_body
    assert moved["agent"]["id"] == world.users["agent"].id
    assert world.client("agent").get("/api/customers/", expect=200).json_body["count"] == 2
    staff.patch(f"/api/customers/{theirs}/", {"agentId": None}, expect=200)
    assert world.client("agent").get("/api/customers/", expect=200).json_body["count"] == 1
    assert staff.delete(f"/api/customers/{theirs}/", expect=204).body in (b"", None)
    staff.get(f"/api/customers/{theirs}/", expect=404)
    world.client("admin").post("/api/customers/", customer_body(email="client1@example.com"), expect=201)  # freed


def test_a_search_is_ordered_paged_and_counted(world):
    admin = world.client("admin")
    for first, last in (("Johan", "Zulu"), ("Johnny", "Adams"), ("John", "Moss"), ("Jonah", "Jones")):
        admin.post("/api/customers/", customer_body(firstName=first, lastName=last, email=f"{first}@mail.com"),
                   expect=201)
    newest = admin.get("/api/customers/?search=joh", expect=200).json_body
    assert [row["firstName"] for row in newest["results"]] == ["John", "Johnny", "Johan"]  # -createdAt
    by_last = admin.get("/api/customers/?search=joh&ordering=lastName&pageSize=2", expect=200).json_body
    assert by_last["count"] == 3 and [row["lastName"] for row in by_last["results"]] == ["Adams", "Moss"]
    following = urlsplit(by_last["next"])
    rest = admin.get(f"{following.path}?{following.query}", expect=200).json_body
    assert [row["lastName"] for row in rest["results"]] == ["Zulu"] and rest["next"] is None
    assert rest["previous"] and "cursor" not in rest["previous"]
    second = admin.get("/api/customers/?search=joh&ordering=lastName&pageSize=2&page=2", expect=200).json_body
    assert second["results"] == rest["results"]
    first_names = admin.get("/api/customers/?search=joh&ordering=-firstName", expect=200).json_body
    assert [row["firstName"] for row in first_names["results"]] == ["Johnny", "John", "Johan"]
    admin.get("/api/customers/?search=joh&page=3&pageSize=2", expect=404)
    tampered = following.query.replace("cursor=", "cursor=A")
    assert admin.get(f"{following.path}?{tampered}", expect=400).json_body["errors"] == {"cursor": ["Invalid cursor."]}


def test_a_search_reads_at_most_its_limit(world, monkeypatch):
    from chalicelib.products.revisbali.services import customers

    monkeypatch.setattr(customers, "SEARCH_LIMIT", 2)
    monkeypatch.setattr(customers, "SEARCH_WINDOW", 1)
    admin = world.client("admin")
    for index in range(4):
        admin.post("/api/customers/", customer_body(firstName=f"Quinn{index}", email=f"q{index}@mail.com"), expect=201)
    found = admin.get("/api/customers/?search=quinn", expect=200).json_body
    assert found["count"] == 2 and len(found["results"]) == 2
