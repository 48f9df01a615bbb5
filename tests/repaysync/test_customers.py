"""Customers: create (both paths), codes, validation, scoping, updates, delete rules, pagination."""

from __future__ import annotations

import re

import pytest

from tests.repaysync.conftest import customer_body

FIELDS = {"id", "customer_code", "name", "phone", "email", "assigned_collection_officer", "address_line_1",
          "address_line_2", "city", "state", "pincode", "date_of_birth"}


@pytest.mark.parametrize("path", ["/api/customers/", "/api/customers/create/"])
def test_create_generates_a_code(world, path):
    officer = world.users["officer"].id
    response = world.http.post(path, customer_body(assigned_collection_officer=officer), world.as_("manager"))
    assert response.status_code == 201
    body = response.json_body
    assert set(body) == FIELDS
    assert re.fullmatch(r"[A-Z0-9]{8}", body["customer_code"])
    assert body["assigned_collection_officer"] == officer and body["date_of_birth"] == "1990-01-01"
    omitted = customer_body()
    del omitted["customer_code"]
    second = world.http.post(path, omitted, world.as_("admin"))
    assert second.status_code == 201 and second.json_body["customer_code"] != body["customer_code"]


def test_given_code_is_kept_and_unique(world):
    created = world.http.post("/api/customers/", customer_body(customer_code="ab12cd34"), world.as_("admin"))
    assert created.status_code == 201 and created.json_body["customer_code"] == "AB12CD34"
    clash = world.http.post("/api/customers/", customer_body(customer_code="AB12CD34"), world.as_("admin"))
    assert clash.status_code == 400
    assert clash.json_body == {"errors": {"customer_code": ["A customer with this customer code already exists."]}}


def test_create_validates(world):
    response = world.http.post("/api/customers/", customer_body(
        state="XX", phone="12", email="nope", pincode="0123", date_of_birth="2999-01-01", name=""),
        world.as_("admin"))
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"state", "phone", "email", "pincode", "date_of_birth", "name"}
    missing = world.http.post("/api/customers/", {}, world.as_("admin"))
    assert missing.json_body["errors"]["name"] == ["This field is required."]
    not_officer = world.http.post("/api/customers/", customer_body(
        assigned_collection_officer=world.users["agent"].id), world.as_("admin"))
    assert not_officer.status_code == 400 and "assigned_collection_officer" in not_officer.json_body["errors"]
    lower_state = world.http.post("/api/customers/", customer_body(state="ka"), world.as_("admin"))
    assert lower_state.status_code == 201 and lower_state.json_body["state"] == "KA"


def test_create_needs_manager_or_admin(world):
    for name in ("officer", "agent"):
        assert world.http.post("/api/customers/", customer_body(), world.as_(name)).status_code == 403
        assert world.http.post("/api/customers/create/", customer_body(), world.as_(name)).status_code == 403
    assert world.http.post("/api/customers/", customer_body()).status_code == 401


def test_officer_sees_only_assigned_customers(world):
    mine, theirs = world.customers["officer"].id, world.customers["other_officer"].id
    listed = world.http.get("/api/customers/", world.as_("officer"))
    assert listed.status_code == 200 and [c["id"] for c in listed.json_body] == [mine]
    assert world.http.get(f"/api/customers/{mine}/", world.as_("officer")).status_code == 200
    assert world.http.get(f"/api/customers/{theirs}/", world.as_("officer")).status_code == 404
    for name in ("agent", "manager", "admin"):
        everyone = world.http.get("/api/customers/", world.as_(name)).json_body
        assert {c["id"] for c in everyone} == {mine, theirs}
        assert world.http.get(f"/api/customers/{theirs}/", world.as_(name)).status_code == 200
    assert world.http.get("/api/customers/999/", world.as_("admin")).status_code == 404
    assert world.http.get(f"/api/customers/{mine}/").status_code == 401


def test_put_and_patch(world):
    customer = world.customers["officer"]
    path = f"/api/customers/{customer.id}/"
    patched = world.http.patch(path, {"name": "John Doe Updated", "phone": "+91-9123456789"}, world.as_("manager"))
    assert patched.status_code == 200
    assert patched.json_body["name"] == "John Doe Updated" and patched.json_body["phone"] == "+91-9123456789"
    assert patched.json_body["customer_code"] == customer.customer_code
    assert patched.json_body["city"] == "Kolkata"
    bad_patch = world.http.patch(path, {"state": "ZZ", "name": None}, world.as_("manager"))
    assert bad_patch.status_code == 400 and set(bad_patch.json_body["errors"]) == {"state", "name"}
    incomplete_put = world.http.put(path, {"name": "Only a name"}, world.as_("admin"))
    assert incomplete_put.status_code == 400 and "phone" in incomplete_put.json_body["errors"]
    replaced = world.http.put(path, customer_body(customer_code="NEWCODE1", name="Replaced"), world.as_("admin"))
    assert replaced.status_code == 200
    assert replaced.json_body["customer_code"] == "NEWCODE1"
    assert replaced.json_body["assigned_collection_officer"] is None
    # the old code is free again, the new one taken
    free = world.http.post("/api/customers/", customer_body(customer_code=customer.customer_code), world.as_("admin"))
    assert free.status_code == 201
    taken = world.http.patch(f"/api/customers/{free.json_body['id']}/", {"customer_code": "NEWCODE1"},
                             world.as_("admin"))
    assert taken.status_code == 400 and "customer_code" in taken.json_body["errors"]
    assert world.http.patch(path, {"name": "x"}, world.as_("officer")).status_code == 403
    assert world.http.put("/api/customers/999/", customer_body(), world.as_("admin")).status_code == 404


@pytest.mark.parametrize(("state", "stored"), [("KA", "KA"), ("wb", "WB"), (" tn ", "TN")])
def test_a_state_is_one_of_the_codes_the_document_states(world, state, stored):
    """The document's pattern admits the codes (any case, spaces around): a client or a fuzzer that follows
    it creates customers, and only codes are accepted."""
    pattern = world.http.get("/openapi.json").json_body["components"]["schemas"]["CustomerIn"]["properties"][
        "state"]["pattern"]
    assert re.fullmatch(pattern.removeprefix("^").removesuffix("$"), state)
    created = world.http.post("/api/customers/", customer_body(state=state), world.as_("admin"))
    assert created.status_code == 201 and created.json_body["state"] == stored


@pytest.mark.parametrize("state", ["\u017fk", "K\u0391", "XX", "KAR", "K A", "\u00a0KA", "\uff2b\uff21"])
def test_a_state_that_only_looks_like_a_code_is_refused(world, state):
    """Not what Python's upper() or strip() turns into a code: long s (\u017f -> S), Greek Alpha, full-width."""
    pattern = world.http.get("/openapi.json").json_body["components"]["schemas"]["CustomerIn"]["properties"][
        "state"]["pattern"]
    assert not re.fullmatch(pattern.removeprefix("^").removesuffix("$"), state)
    response = world.http.post("/api/customers/", customer_body(state=state), world.as_("admin"))
    assert response.status_code == 400 and list(response.json_body["errors"]) == ["state"], response.body


@pytest.mark.parametrize("field", ["email", "customer_code", "address_line_2"])
@pytest.mark.parametrize("blank", ["", "  ", "\u3000"])
def test_a_blank_optional_field_is_none_as_the_document_says(world, field, blank):
    """A blank e-mail, code or second line means none (a generated code): the document admits the blank
    (make fuzz: `"email": ""` answered 201 while the document's e-mail pattern refused it)."""
    import jsonschema_rs

    document = world.http.get("/openapi.json").json_body
    schema = {**document["components"]["schemas"]["CustomerIn"], "components": document["components"]}
    body = customer_body(**{field: blank})
    assert jsonschema_rs.validator_for(schema).is_valid(body), field
    created = world.http.post("/api/customers/", body, world.as_("admin"))
    assert created.status_code == 201, created.body
    assert created.json_body[field] is None or field == "customer_code"


def test_a_patch_of_one_field_leaves_the_others_and_every_bad_field_is_one_400(world):
    """The PATCH body is checked once, with the PUT's rules: every bad field in one answer, nothing saved."""
    path = f"/api/customers/{world.customers['officer'].id}/"
    before = world.http.get(path, world.as_("admin")).json_body
    patched = world.http.patch(path, {"city": "Howrah"}, world.as_("manager"))
    assert patched.status_code == 200 and patched.json_body == {**before, "city": "Howrah"}
    bad = world.http.patch(path, {"phone": "98765\u000143210", "state": "ZZ", "name": "Kept?"}, world.as_("manager"))
    assert bad.status_code == 400 and bad.json_body == {"errors": {
        "phone": ["Enter a valid phone number (10 to 15 digits, optional + and country code)."],
        "state": ["Enter a valid Indian state or union territory code (such as KA or WB)."]}}
    assert world.http.get(path, world.as_("admin")).json_body == {**before, "city": "Howrah"}
    schemas = world.http.get("/openapi.json").json_body["components"]["schemas"]
    assert schemas["CustomerPatch"]["properties"]["phone"] == schemas["CustomerIn"]["properties"]["phone"]
    assert "required" not in schemas["CustomerPatch"]


def test_reassignment_moves_the_loans(world):
    customer = world.customers["other_officer"]
    officer = world.users["officer"].id
    response = world.http.patch(f"/api/customers/{customer.id}/", {"assigned_collection_officer": officer},
                                world.as_("manager"))
    assert response.status_code == 200
    loans = world.http.get("/api/loans/", world.as_("officer")).json_body
    assert {loan["customer"] for loan in loans} == {world.customers["officer"].id, customer.id}
    assert world.http.get("/api/loans/", world.as_("other_officer")).json_body == []


def test_delete_refuses_customers_with_loans(world):
    customer = world.customers["officer"]
    loan = world.loans["officer"]
    conflict = world.http.delete(f"/api/customers/{customer.id}/", world.as_("admin"))
    assert conflict.status_code == 409 and "error" in conflict.json_body
    assert world.http.delete(f"/api/customers/{customer.id}/", world.as_("officer")).status_code == 403
    assert world.http.delete(f"/api/loans/{loan.id}/", world.as_("admin")).status_code == 200
    deleted = world.http.delete(f"/api/customers/{customer.id}/", world.as_("manager"))
    assert deleted.status_code == 200 and deleted.json_body == {"detail": "Customer deleted."}
    assert world.http.get(f"/api/customers/{customer.id}/", world.as_("admin")).status_code == 404
    assert world.http.delete(f"/api/customers/{customer.id}/", world.as_("admin")).status_code == 404
    reused = world.http.post("/api/customers/", customer_body(customer_code=customer.customer_code),
                             world.as_("admin"))
    assert reused.status_code == 201


def test_list_is_paginated(world):
    for index in range(3):
        world.http.post("/api/customers/", customer_body(name=f"Extra {index}"), world.as_("admin"))
    first = world.http.get("/api/customers/?page_size=2", world.as_("admin"))
    assert len(first.json_body) == 2 and first.headers["X-Next-Cursor"]
    seen = [c["id"] for c in first.json_body]
    cursor = first.headers["X-Next-Cursor"]
    while cursor:
        page = world.http.get(f"/api/customers/?page_size=2&cursor={cursor}", world.as_("admin"))
        seen += [c["id"] for c in page.json_body]
        cursor = page.headers.get("X-Next-Cursor")
    assert len(seen) == 5 and seen == sorted(seen)
