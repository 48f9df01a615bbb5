"""Prospects (prospects.* permissions): CRUD, filters, a sales person's own only, conversion to a customer."""

from __future__ import annotations

import pytest

from tests.isp.conftest import RECORDS, WORLD, prospect_body
from tests.kit.world import world_fixture

world = world_fixture(WORLD.with_records(*RECORDS))  # each sales person: one prospect, one customer


def test_create_answers_the_spec_shape_with_the_caller_as_sales_person(world):
    created = world.client("sales").post("/api/customers/prospects/", prospect_body(), expect=201).json_body
    assert {key: created[key] for key in ("name", "status", "sales_person")} == {
        "name": "Acme Prospect", "status": "new", "sales_person": world.users["sales"].id}
    assert created["potential_revenue"] == "1000.00" and created["follow_up_date"] == "2025-12-01"
    assert world.client("sales").get(f"/api/customers/prospects/{created['id']}/", expect=200).json_body == created


@pytest.mark.parametrize("change", [{"name": ""}, {"source": "pigeon"}, {"potential_revenue": "1.234"},
                                    {"follow_up_date": "01/12/2025"}, {"email": "nope"}, {"status": "converted"},
                                    {"phone": "call me"}])
def test_create_refuses_bad_input(world, change):
    world.client("sales").post("/api/customers/prospects/", prospect_body(**change), expect=400)


def test_a_sales_person_sees_and_changes_only_their_own(world):
    theirs = world.prospects["other_sales"].id
    sales = world.client("sales")
    listed = sales.get("/api/customers/prospects/", expect=200).json_body
    assert [p["name"] for p in listed] == ["Prospect of sales"]
    sales.get(f"/api/customers/prospects/{theirs}/", expect=404)
    sales.patch(f"/api/customers/prospects/{theirs}/", {"notes": "x"}, expect=404)
    sales.delete(f"/api/customers/prospects/{theirs}/", expect=404)
    sales.post(f"/api/customers/prospects/{theirs}/convert/", {}, expect=404)
    assert sales.get(f"/api/customers/prospects/?sales_person={world.users['other_sales'].id}",
                     expect=200).json_body == []
    assert "sales_person" in sales.post("/api/customers/prospects/", prospect_body(
        sales_person=world.users["other_sales"].id), expect=400).json_body


def test_an_admin_sees_everyones_with_filters(world):
    admin = world.client("manager")
    assert [p["name"] for p in admin.get("/api/customers/prospects/", expect=200).json_body] == [
        "Prospect of sales", "Prospect of other_sales"]
    assert [p["name"] for p in admin.get("/api/customers/prospects/?source=referral", expect=200).json_body] == [
        "Prospect of other_sales"]
    assert [p["name"] for p in admin.get("/api/customers/prospects/?status=new&ordering=-id",
                                         expect=200).json_body] == ["Prospect of other_sales", "Prospect of sales"]
    assert admin.get("/api/customers/prospects/?status=lost", expect=200).json_body == []
    other = world.users["other_sales"].id
    assert len(admin.get(f"/api/customers/prospects/?sales_person={other}&source=referral", expect=200).json_body) == 1
    assert [p["name"] for p in admin.get("/api/customers/prospects/?search=other", expect=200).json_body] == [
        "Prospect of other_sales"]
    for query in ("status=won", "source=x", "ordering=name", "search=a"):
        admin.get(f"/api/customers/prospects/?{query}", expect=400)
    moved = admin.patch(f"/api/customers/prospects/{world.prospects['sales'].id}/", {"sales_person": other},
                        expect=200).json_body
    assert moved["sales_person"] == other


def test_put_patch_and_delete(world):
    sales = world.client("sales")
    path = f"/api/customers/prospects/{world.prospects['sales'].id}/"
    patched = sales.patch(path, {"status": "qualified", "notes": "Call back"}, expect=200).json_body
    assert (patched["status"], patched["notes"], patched["company_name"]) == ("qualified", "Call back", "Acme")
    put = sales.put(path, {"name": "Renamed", "source": "event"}, expect=200).json_body
    assert (put["name"], put["company_name"], put["status"], put["email"]) == ("Renamed", "", "new", None)
    sales.patch(path, {"name": None}, expect=400)
    sales.patch(path, {"status": "converted"}, expect=400)
    sales.delete(path, expect=204)
    sales.get(path, expect=404)
    assert sales.get("/api/customers/prospects/?search=renamed", expect=200).json_body == []


def test_routes_need_the_permission(world, http):
    world.client("accountant").get("/api/customers/prospects/", expect=403)
    world.client("accountant").post("/api/customers/prospects/", prospect_body(), expect=403)
    http.as_(None).get("/api/customers/prospects/", expect=401)


def test_conversion_makes_an_active_customer_and_marks_the_prospect(world):
    sales = world.client("sales")
    prospect = world.prospects["sales"]
    customer = sales.post(f"/api/customers/prospects/{prospect.id}/convert/", {"monthly_revenue": "750.00"},
                          expect=201).json_body
    assert (customer["name"], customer["email"], customer["status"], customer["prospect"]) == (
        "Prospect of sales", prospect.email, "Active", prospect.id)
    assert (customer["monthly_revenue"], customer["potential_revenue"]) == ("750.00", "1000.00")
    assert customer["assigned_sales_person"] == world.users["sales"].id
    after = sales.get(f"/api/customers/prospects/{prospect.id}/", expect=200).json_body
    assert (after["status"], after["customer"]) == ("converted", customer["id"])
    assert sales.post(f"/api/customers/prospects/{prospect.id}/convert/", {}, expect=409).json_body == {
        "detail": "This prospect has already been converted."}
    sales.patch(f"/api/customers/prospects/{prospect.id}/", {"status": "lost"}, expect=400)
    sales.get(f"/api/customers/{customer['id']}/", expect=200)


def test_conversion_needs_a_free_email(world):
    sales = world.client("sales")
    nomail = sales.post("/api/customers/prospects/", prospect_body(email=None), expect=201).json_body
    assert "email" in sales.post(f"/api/customers/prospects/{nomail['id']}/convert/", {}, expect=400).json_body
    taken = sales.post("/api/customers/prospects/", prospect_body(email="C0@acme.com"), expect=201).json_body
    assert sales.post(f"/api/customers/prospects/{taken['id']}/convert/", {}, expect=400).json_body == {
        "email": ["customer with this email already exists."]}
    sales.post("/api/customers/prospects/987654/convert/", {}, expect=404)
    world.client("accountant").post(f"/api/customers/prospects/{taken['id']}/convert/", {}, expect=403)


def test_a_user_with_prospects_cannot_be_deleted(world):
    admin = world.client("manager")
    user = world.users["other_sales"].id
    admin.delete(f"/api/users/{user}/", expect=409)
