"""Customers (customers.* permissions): the spec's shape, filters, a sales person's own only, unique e-mail."""

from __future__ import annotations

import pytest

from tests.isp.conftest import RECORDS, WORLD, customer_body
from tests.kit.world import world_fixture

world = world_fixture(WORLD.with_records(*RECORDS))  # each sales person: one prospect, one customer


def test_create_answers_the_spec_shape(world):
    sales_id = world.users["sales"].id
    created = world.client("manager").post("/api/customers/", customer_body(assigned_sales_person=sales_id),
                                           expect=201).json_body
    assert {key: created[key] for key in ("name", "email", "monthly_revenue", "calculated_monthly_revenue",
                                          "status", "assigned_sales_person_details")} == {
        "name": "Acme Inc", "email": "c@acme.com", "monthly_revenue": "5000.00", "calculated_monthly_revenue": 0.0,
        "status": "Active", "assigned_sales_person_details": {"id": sales_id, "username": "sales",
                                                               "email": "sales@example.com"}}
    assert created["join_date"] and created["leave_date"] is None
    assert world.client("sales").get(f"/api/customers/{created['id']}/", expect=200).json_body == created


@pytest.mark.parametrize("change", [{"name": ""}, {"email": None}, {"monthly_revenue": "-1.00"},
                                    {"monthly_revenue": "abc"}, {"status": "Gone"},
                                    {"assigned_sales_person": "2"}, {"assigned_sales_person": 987654}])
def test_create_refuses_bad_input(world, change):
    world.client("manager").post("/api/customers/", customer_body(**change), expect=400)


def test_emails_are_unique_in_any_case(world):
    admin = world.client("manager")
    assert admin.post("/api/customers/", customer_body(email="C0@ACME.com"), expect=400).json_body == {
        "email": ["customer with this email already exists."]}
    mine = world.customers["sales"].id
    admin.patch(f"/api/customers/{mine}/", {"email": "C1@acme.com"}, expect=400)
    admin.patch(f"/api/customers/{mine}/", {"email": "C0@Acme.com"}, expect=200)  # its own, another case


def test_a_sales_person_creates_for_themselves_only(world):
    sales = world.client("sales")
    mine = sales.post("/api/customers/", customer_body(), expect=201).json_body
    assert mine["assigned_sales_person"] == world.users["sales"].id
    assert "assigned_sales_person" in sales.post("/api/customers/", customer_body(
        email="x@acme.com", assigned_sales_person=world.users["other_sales"].id), expect=400).json_body
    unassigned = world.client("manager").post("/api/customers/", customer_body(email="u@acme.com"),
                                              expect=201).json_body
    assert unassigned["assigned_sales_person"] is None and unassigned["assigned_sales_person_details"] is None


def test_a_sales_person_sees_and_changes_only_their_own(world):
    theirs = world.customers["other_sales"].id
    sales = world.client("sales")
    assert [c["name"] for c in sales.get("/api/customers/", expect=200).json_body] == ["Customer of sales"]
    sales.get(f"/api/customers/{theirs}/", expect=404)
    sales.put(f"/api/customers/{theirs}/", customer_body(email="z@acme.com"), expect=404)
    sales.patch(f"/api/customers/{theirs}/", {"name": "x"}, expect=404)
    assert sales.get(f"/api/customers/?assigned_sales_person={world.users['other_sales'].id}",
                     expect=200).json_body == []
    sales.delete(f"/api/customers/{world.customers['sales'].id}/", expect=403)  # no customers.delete


def test_an_admin_lists_with_filters(world):
    admin = world.client("manager")
    other = world.users["other_sales"].id
    assert [c["name"] for c in admin.get("/api/customers/", expect=200).json_body] == [
        "Customer of sales", "Customer of other_sales"]
    assert [c["name"] for c in admin.get(f"/api/customers/?assigned_sales_person={other}",
                                         expect=200).json_body] == ["Customer of other_sales"]
    admin.patch(f"/api/customers/{world.customers['sales'].id}/", {"status": "Inactive"}, expect=200)
    assert [c["name"] for c in admin.get("/api/customers/?status=Active", expect=200).json_body] == [
        "Customer of other_sales"]
    assert [c["name"] for c in admin.get("/api/customers/?status=Inactive&ordering=-id", expect=200).json_body] == [
        "Customer of sales"]
    assert [c["name"] for c in admin.get("/api/customers/?search=acme&status=Active", expect=200).json_body] == [
        "Customer of other_sales"]
    for query in ("status=active", "assigned_sales_person=x", "ordering=email", "search=ab"):
        admin.get(f"/api/customers/?{query}", expect=400)


def test_put_patch_and_status_dates(world):
    sales = world.client("sales")
    path = f"/api/customers/{world.customers['sales'].id}/"
    left = sales.patch(path, {"status": "Inactive", "monthly_revenue": 42}, expect=200).json_body
    assert (left["status"], left["monthly_revenue"], left["leave_date"] is not None) == ("Inactive", "42.00", True)
    back = sales.put(path, customer_body(email="c0@acme.com", name="Back"), expect=200).json_body
    assert (back["status"], back["leave_date"], back["name"]) == ("Active", None, "Back")
    assert back["assigned_sales_person"] == world.users["sales"].id  # PUT without it keeps the caller's
    sales.patch(path, {"email": None}, expect=400)
    sales.patch("/api/customers/987654/", {"name": "x"}, expect=404)


def test_delete_frees_the_email(world):
    admin = world.client("manager")
    path = f"/api/customers/{world.customers['sales'].id}/"
    admin.delete(path, expect=204)
    admin.get(path, expect=404)
    admin.post("/api/customers/", customer_body(email="c0@acme.com"), expect=201)
    admin.delete("/api/customers/987654/", expect=404)


def test_routes_need_the_permission(world, http):
    world.client("accountant").get("/api/customers/", expect=403)
    world.client("accountant").post("/api/customers/", customer_body(), expect=403)
    http.as_(None).get("/api/customers/", expect=401)
    assert world.client("manager").get("/api/customers/prospects/", expect=200)  # not taken for a customer id
