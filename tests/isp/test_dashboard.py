"""Dashboard (dashboard.view): KPIs, weekly/monthly/yearly, customer-wise and KAM figures, from the
revenue aggregates the bills keep (their formulas: services/dashboard.py and the product README)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.isp.conftest import RECORDS, WORLD
from tests.isp.test_bills import bill_body
from tests.kit.world import world_fixture

world = world_fixture(WORLD.with_records(*RECORDS))  # each sales person: one customer (joined 2025-11-15)
TODAY = date(2025, 11, 30)


class Frozen:
    def __init__(self, day: date) -> None:
        self.day = day

    def today(self) -> date:
        return self.day


@pytest.fixture()
def today(monkeypatch):
    from chalicelib.products.isp import routes
    from chalicelib.products.isp.services import customers

    monkeypatch.setattr(routes, "clock", lambda: Frozen(TODAY))
    monkeypatch.setattr(customers, "clock", lambda: Frozen(TODAY))
    return TODAY


@pytest.fixture()
def billed(world, today):
    """Bills of both customers: 130 (100 received) on 11-30, 119.50 (119.50) on 11-03, 200 (50) on
    10-20 (the 30 days before), 60 (0) in 2024, and an Inactive bill that never counts."""
    from chalicelib.core.config import using_settings
    from chalicelib.products.isp.models import Customer

    with using_settings(world.app.crm_product.settings):  # the world was seeded today: back to mid-November
        for customer in world.customers.values():
            Customer.get(customer.id).update(actions=[Customer.join_date.set("2025-11-15")])
    accountant = world.client("accountant")
    mine, theirs = world.customers["sales"].id, world.customers["other_sales"].id
    accountant.post("/api/bills/", bill_body(mine), expect=201)
    accountant.post("/api/bills/", bill_body(theirs, billing_date="2025-11-03", discount="10.50",
                                             total_received="119.50"), expect=201)
    accountant.post("/api/bills/", bill_body(mine, billing_date="2025-10-20", iig_qt_price="170.00",
                                             total_received="50.00"), expect=201)
    accountant.post("/api/bills/", bill_body(theirs, billing_date="2024-05-05", iig_qt_price="30.00",
                                             total_received="0.00"), expect=201)
    accountant.post("/api/bills/", bill_body(mine, status="Inactive", iig_qt_price="999.00"), expect=201)
    return world


def test_kpis_compare_the_last_30_days_with_the_30_before(billed):
    kpis = billed.client("manager").get("/api/dashboard/kpis/", expect=200).json_body
    assert kpis["total_revenue"] == 249.5
    assert kpis["total_revenue_change"] == round((249.5 - 200) / 200 * 100, 1)
    assert kpis["collection_rate"] == round(219.5 / 249.5 * 100, 1)
    assert kpis["collection_rate_change"] == round(round(219.5 / 249.5 * 100, 1) - 25.0, 1)
    assert (kpis["total_customers"], kpis["active_customers"]) == (2, 2)
    assert kpis["total_customers_change"] == 100.0  # none existed 30 days ago


def test_weekly_monthly_and_yearly_revenue(billed):
    admin = billed.client("manager")
    weeks = admin.get("/api/dashboard/weekly-revenue/", expect=200).json_body
    assert len(weeks) == 12 and weeks[-1] == {"week": "2025-11-24", "revenue": 130.0}
    assert {"week": "2025-11-03", "revenue": 119.5} in weeks and {"week": "2025-10-20", "revenue": 200.0} in weeks
    months = admin.get("/api/dashboard/monthly-revenue/", expect=200).json_body
    assert months[-2:] == [{"month": "2025-10", "revenue": 200.0}, {"month": "2025-11", "revenue": 249.5}]
    assert months[0]["month"] == "2024-12" and len(months) == 12
    years = admin.get("/api/dashboard/yearly-revenue/", expect=200).json_body
    assert years[-2:] == [{"year": 2024, "revenue": 60.0}, {"year": 2025, "revenue": 449.5}]


def test_customer_wise_revenue_and_kam_performance(billed):
    admin = billed.client("manager")
    rows = admin.get("/api/dashboard/customer-wise-revenue/", expect=200).json_body
    mine = billed.customers["sales"]
    assert rows[0] == {"customer_id": mine.id, "customerName": mine.name, "email": mine.email, "status": "Active",
                       "joinDate": "2025-11-15", "leaveDate": None, "totalRevenue": 330.0, "totalDue": 180.0,
                       "collectionRate": round(150 / 330 * 100, 1), "kam": "sales"}
    assert rows[1]["totalRevenue"] == 179.5 and rows[1]["kam"] == "other_sales"
    kams = admin.get("/api/dashboard/kam-performance/", expect=200).json_body
    assert kams == [
        {"kam": "sales", "kam_id": billed.users["sales"].id, "total_customers": 1, "active_customers": 1,
         "total_revenue": 330.0, "avg_revenue_per_customer": 330.0},
        {"kam": "other_sales", "kam_id": billed.users["other_sales"].id, "total_customers": 1,
         "active_customers": 1, "total_revenue": 179.5, "avg_revenue_per_customer": 179.5}]


def test_a_deleted_bill_leaves_the_figures(billed):
    accountant = billed.client("accountant")
    first = accountant.get("/api/bills/?billing_date=2025-11-30&status=Active", expect=200).json_body[0]
    accountant.delete(f"/api/bills/{first['id']}/", expect=204)
    kpis = billed.client("manager").get("/api/dashboard/kpis/", expect=200).json_body
    assert kpis["total_revenue"] == 119.5


def test_an_empty_book_answers_zeros(world, today):
    kpis = world.client("manager").get("/api/dashboard/kpis/", expect=200).json_body
    assert (kpis["total_revenue"], kpis["total_revenue_change"], kpis["collection_rate"]) == (0.0, 0.0, 0.0)


def test_the_dashboard_needs_its_permission(world, http, today):
    for path in ("kpis", "weekly-revenue", "monthly-revenue", "yearly-revenue", "customer-wise-revenue",
                 "kam-performance"):
        world.client("sales").get(f"/api/dashboard/{path}/", expect=403)
        world.client("accountant").get(f"/api/dashboard/{path}/", expect=403)
        http.as_(None).get(f"/api/dashboard/{path}/", expect=401)


def test_the_nightly_schedule_repairs_drifted_aggregates(billed):
    from chalice.test import Client

    from chalicelib.core.config import using_settings
    from chalicelib.products.isp.services.revenue import Revenue

    with using_settings(billed.app.crm_product.settings):
        Revenue("month#2025-11").update(actions=[Revenue.billed.set(1)])  # a drift
        Revenue("day#2025-11-29").update(actions=[Revenue.billed.set(5), Revenue.bills.set(1)])  # a stray
    admin = billed.client("manager")
    assert admin.get("/api/dashboard/monthly-revenue/", expect=200).json_body[-1]["revenue"] == 1.0
    with Client(billed.app) as client:
        result = client.lambda_.invoke("nightly_revenue", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert result.payload["repaired"] == 2
    assert admin.get("/api/dashboard/monthly-revenue/", expect=200).json_body[-1]["revenue"] == 249.5
    assert admin.get("/api/dashboard/kpis/", expect=200).json_body["total_revenue"] == 249.5
