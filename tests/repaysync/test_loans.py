"""Loans: money rendering, uniqueness, parent checks, scoping, updates and delete rules."""

from __future__ import annotations

from tests.repaysync.conftest import loan_body

FIELDS = {"id", "loan_account_number", "principal_amount", "interest_rate", "loan_type", "tenure_months",
          "loan_date", "customer"}


def test_create_loan(world):
    customer = world.customers["officer"].id
    response = world.http.post("/api/loans/", loan_body(customer, principal_amount=50000, interest_rate="11"),
                               world.as_("manager"))
    assert response.status_code == 201
    body = response.json_body
    assert set(body) == FIELDS and isinstance(body["id"], int)
    assert body["principal_amount"] == "50000.00" and body["interest_rate"] == "11.00"
    assert body["loan_date"] == "2025-03-09" and body["customer"] == customer
    fetched = world.http.get(f"/api/loans/{body['id']}/", world.as_("agent")).json_body
    assert fetched == body


def test_create_validates(world):
    customer = world.customers["officer"].id
    bad = world.http.post("/api/loans/", loan_body(customer, principal_amount="-5", interest_rate="10.555",
                                                   tenure_months=0, loan_date="yesterday"), world.as_("admin"))
    assert bad.status_code == 400
    assert set(bad.json_body["errors"]) == {"principal_amount", "interest_rate", "tenure_months", "loan_date"}
    duplicate = world.http.post("/api/loans/", loan_body(customer, loan_account_number="LN0"), world.as_("admin"))
    assert duplicate.status_code == 400 and "loan_account_number" in duplicate.json_body["errors"]
    orphan = world.http.post("/api/loans/", loan_body(999), world.as_("admin"))
    assert orphan.status_code == 400 and "customer" in orphan.json_body["errors"]


def test_amounts_are_plain_ascii_decimals(world):
    """Only what the OpenAPI document states: pydantic alone took " 5 ", "1e2", Arabic-Indic digits and true."""
    customer = world.customers["officer"].id
    refused = [" 5", "1e2", "\u0665", "0050", "5.", "+5", True, "0", 0, 0.001, 0.30000000000000004, 10**12]
    for number, value in enumerate(refused):
        body = loan_body(customer, loan_account_number=f"LA{number}", principal_amount=value)
        response = world.http.post("/api/loans/", body, world.as_("admin"))
        assert response.status_code == 400, value
        assert set(response.json_body["errors"]) == {"principal_amount"}, value
    for number, (principal, rate) in enumerate([("0.5", "100"), (0.07, 100), ("999999999999.99", "0.00")]):
        body = loan_body(customer, loan_account_number=f"LB{number}", principal_amount=principal,
                         interest_rate=rate)
        response = world.http.post("/api/loans/", body, world.as_("admin"))
        assert response.status_code == 201, (principal, response.json_body)
    too_high = world.http.post("/api/loans/", loan_body(customer, loan_account_number="LC", interest_rate="100.01"),
                               world.as_("admin"))
    assert too_high.status_code == 400 and set(too_high.json_body["errors"]) == {"interest_rate"}


def test_writes_need_manager_or_admin(world):
    customer = world.customers["officer"].id
    loan = world.loans["officer"].id
    for name in ("officer", "agent"):
        assert world.http.post("/api/loans/", loan_body(customer), world.as_(name)).status_code == 403
        assert world.http.patch(f"/api/loans/{loan}/", {"tenure_months": 3}, world.as_(name)).status_code == 403
        assert world.http.delete(f"/api/loans/{loan}/", world.as_(name)).status_code == 403
    assert world.http.post("/api/loans/", loan_body(customer)).status_code == 401


def test_officer_scope(world):
    mine, theirs = world.loans["officer"], world.loans["other_officer"]
    listed = world.http.get("/api/loans/", world.as_("officer"))
    assert [loan["id"] for loan in listed.json_body] == [mine.id]
    assert world.http.get(f"/api/loans/{theirs.id}/", world.as_("officer")).status_code == 404
    assert world.http.get(f"/api/loans/customer/{theirs.customer}/", world.as_("officer")).status_code == 404
    own = world.http.get(f"/api/loans/customer/{mine.customer}/", world.as_("officer"))
    assert own.status_code == 200 and [loan["id"] for loan in own.json_body] == [mine.id]
    everyone = world.http.get("/api/loans/", world.as_("agent")).json_body
    assert {loan["id"] for loan in everyone} == {mine.id, theirs.id}
    assert world.http.get("/api/loans/customer/999/", world.as_("admin")).status_code == 404
    assert world.http.get("/api/loans/").status_code == 401


def test_loans_of_a_customer(world):
    customer = world.customers["officer"].id
    world.http.post("/api/loans/", loan_body(customer, loan_account_number="LN67890", principal_amount="75000.00",
                                             loan_type="home", tenure_months=36), world.as_("admin"))
    response = world.http.get(f"/api/loans/customer/{customer}/", world.as_("manager"))
    assert [loan["loan_account_number"] for loan in response.json_body] == ["LN0", "LN67890"]
    assert response.json_body[1]["principal_amount"] == "75000.00"


def test_update_loan(world):
    loan = world.loans["officer"]
    path = f"/api/loans/{loan.id}/"
    patched = world.http.patch(path, {"principal_amount": "75000.00", "tenure_months": 24}, world.as_("manager"))
    assert patched.status_code == 200
    assert patched.json_body["principal_amount"] == "75000.00" and patched.json_body["tenure_months"] == 24
    assert patched.json_body["loan_account_number"] == "LN0"
    assert world.http.patch(path, {"principal_amount": "abc"}, world.as_("manager")).status_code == 400
    taken = world.http.patch(path, {"loan_account_number": "LN1"}, world.as_("manager"))
    assert taken.status_code == 400 and "loan_account_number" in taken.json_body["errors"]
    assert world.http.put(path, {"tenure_months": 3}, world.as_("admin")).status_code == 400
    moved = world.http.put(path, loan_body(world.customers["other_officer"].id, loan_account_number="LN-NEW"),
                           world.as_("admin"))
    assert moved.status_code == 200 and moved.json_body["customer"] == world.customers["other_officer"].id
    assert world.http.get(path, world.as_("officer")).status_code == 404
    assert world.http.get(path, world.as_("other_officer")).status_code == 200
    # the first customer no longer has loans: it can be deleted; the old number is free again
    assert world.http.delete(f"/api/customers/{loan.customer}/", world.as_("admin")).status_code == 200
    again = world.http.post("/api/loans/", loan_body(world.customers["other_officer"].id, loan_account_number="LN0"),
                            world.as_("admin"))
    assert again.status_code == 201
    assert world.http.patch("/api/loans/999/", {"tenure_months": 3}, world.as_("admin")).status_code == 404


def test_delete_refuses_loans_with_interactions(world):
    loan = world.loans["officer"]
    created = world.http.post("/api/interactions/field/create/", {"loan": loan.id, "disposition": "visited"},
                              world.as_("officer"))
    assert created.status_code == 201
    conflict = world.http.delete(f"/api/loans/{loan.id}/", world.as_("admin"))
    assert conflict.status_code == 409 and "error" in conflict.json_body
    interaction = created.json_body["id"]
    assert world.http.delete(f"/api/interactions/field/{interaction}/", world.as_("officer")).status_code == 200
    assert world.http.delete(f"/api/loans/{loan.id}/", world.as_("admin")).status_code == 200
    assert world.http.get(f"/api/loans/{loan.id}/", world.as_("admin")).status_code == 404
