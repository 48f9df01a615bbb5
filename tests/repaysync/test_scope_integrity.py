"""Officer scope holds even when the loan's officer copy is stale or the caller has no local user id."""

from __future__ import annotations

from chalicelib.core.auth.principal import Principal
from tests.repaysync.conftest import customer_body, loan_body, tokens


def _ids(response) -> set[int]:
    assert response.status_code == 200
    return {item["id"] for item in response.json_body}


def test_a_stale_officer_copy_never_shows_another_officers_loan(world):
    from chalicelib.products.repaysync.models import Loan

    theirs = world.loans["other_officer"]
    Loan.get(theirs.id).update(actions=[Loan.officer.set(world.users["officer"].id)])  # an interrupted reassign

    assert theirs.id not in _ids(world.http.get("/api/loans/", world.as_("officer")))
    assert world.http.get(f"/api/loans/{theirs.id}/", world.as_("officer")).status_code == 404


def test_the_next_save_of_the_customer_completes_an_interrupted_reassignment(world):
    from chalicelib.products.repaysync.models import Loan

    customer, loan = world.customers["other_officer"], world.loans["other_officer"]
    Loan.get(loan.id).update(actions=[Loan.officer.set(world.users["officer"].id)])

    saved = world.http.patch(f"/api/customers/{customer.id}/", {"city": "Howrah"}, world.as_("manager"))

    assert saved.status_code == 200
    assert Loan.get(loan.id).officer == world.users["other_officer"].id
    assert loan.id in _ids(world.http.get("/api/loans/", world.as_("other_officer")))


def test_reassigning_a_customer_moves_its_loans_between_officers(world):
    customer, loan = world.customers["officer"], world.loans["officer"]
    moved = world.http.patch(f"/api/customers/{customer.id}/",
                             {"assigned_collection_officer": world.users["other_officer"].id}, world.as_("admin"))
    assert moved.status_code == 200
    assert loan.id not in _ids(world.http.get("/api/loans/", world.as_("officer")))
    assert loan.id in _ids(world.http.get("/api/loans/", world.as_("other_officer")))


def test_a_loan_is_refused_when_its_customer_changes_while_it_is_saved(world, monkeypatch):
    from chalicelib.products.repaysync import services
    from chalicelib.products.repaysync.services import loans

    customer = world.customers["officer"]
    stale = services.find(type(customer), customer.id)
    world.http.patch(f"/api/customers/{customer.id}/", {"assigned_collection_officer": world.users[
        "other_officer"].id}, world.as_("admin"))
    monkeypatch.setattr(loans, "_loan_customer", lambda customer_id: stale)  # read before the reassignment

    response = world.http.post("/api/loans/", loan_body(customer.id, loan_account_number="RACE1"),
                               world.as_("admin"))

    assert response.status_code == 409 and "error" in response.json_body
    assert world.http.get("/api/loans/", world.as_("admin")).json_body[-1]["loan_account_number"] != "RACE1"


def test_an_officer_without_a_local_user_id_owns_no_unassigned_customer(world):
    unassigned = world.http.post("/api/customers/", customer_body(customer_code="NOBODY01"), world.as_("admin"))
    customer = unassigned.json_body["id"]
    loan = world.http.post("/api/loans/", loan_body(customer, loan_account_number="UNA1"), world.as_("admin"))
    foreign = Principal(subject="0f1e2d3c-aaaa-bbbb-cccc-1234567890ab", username="cognito-officer",
                        roles=frozenset({"collection_officer"}))
    headers = {"Authorization": f"Bearer {tokens().issue(foreign).access}"}

    assert world.http.get("/api/customers/", headers).json_body == []
    assert world.http.get(f"/api/customers/{customer}/", headers).status_code == 404
    assert world.http.get(f"/api/loans/{loan.json_body['id']}/", headers).status_code == 404
    created = world.http.post("/api/interactions/field/create/", {
        "loan": loan.json_body["id"], "comment": "x", "disposition": "visited"}, headers)
    assert created.status_code in (400, 404)


def test_record_references_past_safe_integers_are_field_errors(world):
    response = world.http.post("/api/loans/", loan_body(10**40 + 1, loan_account_number="HUGE1"), world.as_("admin"))
    assert response.status_code == 400 and list(response.json_body["errors"]) == ["customer"]
