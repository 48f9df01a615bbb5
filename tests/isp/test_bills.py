"""Bills (bills.* permissions): server-side Decimal totals, customer_details, filters, the customers'
calculated monthly revenue kept by the bills' aggregates."""

from __future__ import annotations

from datetime import date

import pytest

from tests.isp.conftest import RECORDS, WORLD
from tests.kit.world import world_fixture

world = world_fixture(WORLD.with_records(*RECORDS))  # each sales person: one prospect, one customer


def bill_body(customer: int, **overrides):
    body = {"customer": customer, "nttn_cap": "CAP-01", "nttn_com": "COM-01", "billing_date": "2025-11-30",
            "iig_qt": "10.00", "iig_qt_price": "100.00", "fna": "1.00", "fna_price": "10.00", "ggc": "2.00",
            "ggc_price": "20.00", "discount": "0.00", "total_received": "100.00", "status": "Active",
            "remarks": "Monthly bill"}
    body.update(overrides)
    return body


def test_the_specs_example_totals_130_with_30_due(world):
    customer = world.customers["sales"]
    created = world.client("accountant").post("/api/bills/", bill_body(customer.id), expect=201).json_body
    assert {key: created[key] for key in ("customer", "billing_date", "total_bill", "total_received", "total_due",
                                          "status")} == {
        "customer": customer.id, "billing_date": "2025-11-30", "total_bill": "130.00", "total_received": "100.00",
        "total_due": "30.00", "status": "Active"}
    assert created["customer_details"] == {"id": customer.id, "name": customer.name, "email": customer.email}
    assert world.client("manager").get(f"/api/bills/{created['id']}/", expect=200).json_body == created


def test_totals_are_exact_decimals_and_ignore_sent_totals(world):
    body = bill_body(world.customers["sales"].id, iig_qt_price="0.10", fna_price="0.20", ggc_price="0.00",
                     discount="0.05", total_received="0.00", total_bill="999.00", total_due="1.00")
    created = world.client("accountant").post("/api/bills/", body, expect=201).json_body
    assert (created["total_bill"], created["total_due"]) == ("0.25", "0.25")


@pytest.mark.parametrize("change", [{"customer": 987654}, {"customer": "1"}, {"billing_date": "30/11/2025"},
                                    {"iig_qt_price": "-1.00"}, {"fna": "1.001"}, {"discount": "131.00"},
                                    {"total_received": "130.01"}, {"status": "Paid"}, {"iig_qt_price": "NaN"}])
def test_create_refuses_bad_input(world, change):
    body = {**bill_body(world.customers["sales"].id), **change}
    world.client("accountant").post("/api/bills/", body, expect=400)


def test_put_patch_recompute_and_delete(world):
    accountant = world.client("accountant")
    created = accountant.post("/api/bills/", bill_body(world.customers["sales"].id), expect=201).json_body
    path = f"/api/bills/{created['id']}/"
    patched = accountant.patch(path, {"discount": "30.00", "total_received": "50.00"}, expect=200).json_body
    assert (patched["total_bill"], patched["total_due"], patched["nttn_cap"]) == ("100.00", "50.00", "CAP-01")
    put = accountant.put(path, {"customer": world.customers["other_sales"].id, "billing_date": "2025-10-01",
                                "ggc_price": "5.50"}, expect=200).json_body
    assert (put["total_bill"], put["total_received"], put["nttn_cap"]) == ("5.50", "0.00", "")
    assert put["customer_details"]["id"] == world.customers["other_sales"].id
    accountant.patch(path, {"discount": "6.00"}, expect=400)
    accountant.patch(path, {"billing_date": None}, expect=400)
    accountant.delete(path, expect=204)
    accountant.get(path, expect=404)
    accountant.patch("/api/bills/987654/", {"remarks": "x"}, expect=404)
    accountant.delete("/api/bills/987654/", expect=404)


def test_list_filters_and_orders(world):
    accountant = world.client("accountant")
    mine, theirs = world.customers["sales"].id, world.customers["other_sales"].id
    first = accountant.post("/api/bills/", bill_body(mine, billing_date="2025-11-30"), expect=201).json_body
    second = accountant.post("/api/bills/", bill_body(theirs, billing_date="2025-10-31", status="Inactive",
                                                      remarks="Old fibre line"), expect=201).json_body
    third = accountant.post("/api/bills/", bill_body(mine, billing_date="2025-09-30"), expect=201).json_body

    def ids(query: str) -> list[int]:
        return [bill["id"] for bill in accountant.get(f"/api/bills/{query}", expect=200).json_body]

    assert ids("") == [first["id"], second["id"], third["id"]]
    assert ids("?ordering=-id") == [third["id"], second["id"], first["id"]]
    assert ids("?ordering=billing_date") == [third["id"], second["id"], first["id"]]
    assert ids(f"?customer={mine}&ordering=-billing_date") == [first["id"], third["id"]]
    assert ids("?status=Inactive") == [second["id"]]
    assert ids(f"?customer={mine}&status=Inactive") == []
    assert ids("?billing_date=2025-09-30") == [third["id"]]
    assert ids("?search=fibre") == [second["id"]]
    assert ids(f"?search=customer&customer={theirs}") == [second["id"]]
    for query in ("status=paid", "customer=x", "billing_date=2025-13-01", "ordering=total", "search=a"):
        accountant.get(f"/api/bills/?{query}", expect=400)


def test_bills_need_their_permissions(world, http):
    bill = world.client("accountant").post("/api/bills/", bill_body(world.customers["sales"].id),
                                           expect=201).json_body
    sales = world.client("sales")  # a sales person has no bill permissions
    sales.get("/api/bills/", expect=403)
    sales.get(f"/api/bills/{bill['id']}/", expect=403)
    sales.post("/api/bills/", bill_body(world.customers["sales"].id), expect=403)
    sales.delete(f"/api/bills/{bill['id']}/", expect=403)
    http.as_(None).get("/api/bills/", expect=401)


def test_a_customer_with_bills_cannot_be_deleted(world):
    customer = world.customers["sales"].id
    bill = world.client("accountant").post("/api/bills/", bill_body(customer), expect=201).json_body
    admin = world.client("manager")
    assert admin.delete(f"/api/customers/{customer}/", expect=409).json_body == {
        "detail": "This customer has bills; delete them first."}
    admin.delete(f"/api/bills/{bill['id']}/", expect=204)
    admin.delete(f"/api/customers/{customer}/", expect=204)


def test_calculated_monthly_revenue_is_the_active_bills_of_this_month(world, monkeypatch):
    from chalicelib.products.isp import clock as isp_clock
    from chalicelib.products.isp.services import customers

    class Frozen:
        def today(self) -> date:
            return date(2025, 11, 15)

    monkeypatch.setattr(customers, "clock", lambda: Frozen())
    assert isp_clock.TIME_ZONE == "Asia/Dhaka"
    accountant, admin = world.client("accountant"), world.client("manager")
    customer = world.customers["sales"].id
    accountant.post("/api/bills/", bill_body(customer), expect=201)  # 130.00 on 2025-11-30
    second = accountant.post("/api/bills/", bill_body(customer, billing_date="2025-11-01", discount="10.50"),
                             expect=201).json_body  # 119.50
    accountant.post("/api/bills/", bill_body(customer, billing_date="2025-10-31"), expect=201)  # another month
    accountant.post("/api/bills/", bill_body(customer, status="Inactive"), expect=201)  # not revenue
    assert admin.get(f"/api/customers/{customer}/", expect=200).json_body["calculated_monthly_revenue"] == 249.5
    accountant.patch(f"/api/bills/{second['id']}/", {"billing_date": "2025-12-01"}, expect=200)
    listed = admin.get("/api/customers/", expect=200).json_body
    assert [c["calculated_monthly_revenue"] for c in listed] == [130.0, 0.0]
    accountant.patch(f"/api/bills/{second['id']}/", {"billing_date": "2025-11-02", "status": "Inactive"}, expect=200)
    assert admin.get(f"/api/customers/{customer}/", expect=200).json_body["calculated_monthly_revenue"] == 130.0
