"""Exports (customers.export, bills.export): CSV or Excel with the right type and file name, formulas
neutralised, a sales person's own customers only."""

from __future__ import annotations

import csv
import io

from tests.isp.conftest import RECORDS, WORLD
from tests.isp.test_bills import bill_body
from tests.kit.world import world_fixture

world = world_fixture(WORLD.with_records(*RECORDS))  # each sales person: one prospect, one customer
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.body.decode("utf-8-sig"))))


def test_customers_export_as_csv_and_excel(world):
    admin = world.client("manager")
    admin.patch(f"/api/customers/{world.customers['sales'].id}/", {"company_name": "=HYPERLINK(\"x\")"}, expect=200)
    response = admin.get("/api/customers/export/?format=csv", headers={"Accept": "text/csv"}, expect=200)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="customers.csv"' in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert [row["name"] for row in rows] == ["Customer of sales", "Customer of other_sales"]
    assert rows[0]["company_name"].startswith("'=") and rows[0]["monthly_revenue"] == "5000.00"
    assert rows[0]["assigned_sales_person"] == str(world.users["sales"].id)
    excel = admin.get("/api/customers/export/?format=excel", headers={"Accept": XLSX}, expect=200)
    assert excel.headers["Content-Type"] == XLSX and 'filename="customers.xlsx"' in excel.headers["Content-Disposition"]
    from openpyxl import load_workbook

    values = [list(row) for row in load_workbook(io.BytesIO(excel.body), read_only=True).active.iter_rows(
        values_only=True)]
    assert values[0][:3] == ["id", "name", "company_name"] and len(values) == 3
    link = admin.get("/api/customers/export/?format=csv", expect=200).json_body  # no Accept for the file
    assert link["filename"] == "customers.csv" and link["url"].startswith("http")
    admin.get("/api/customers/export/?format=pdf", expect=400)


def test_a_sales_person_exports_only_their_own_customers(world, http):
    # the built-in sales_person has no customers.export; a role given it exports its own customers only
    world.client("sales").get("/api/customers/export/?format=csv", headers={"Accept": "text/csv"}, expect=403)
    role = f"/api/auth/roles/{world.users['sales'].role}/"
    rights = world.client("manager").get(role, expect=200).json_body["permissions"]
    world.client("manager").patch(role, {"permissions": [*rights, "customers.export"]}, expect=200)
    rows = _rows(world.client("sales").get("/api/customers/export/?format=csv", headers={"Accept": "text/csv"},
                                           expect=200))
    assert [row["name"] for row in rows] == ["Customer of sales"]
    http.as_(None).get("/api/customers/export/", expect=401)


def test_bills_export_with_totals(world, http):
    accountant = world.client("accountant")
    bill = accountant.post("/api/bills/", bill_body(world.customers["sales"].id), expect=201).json_body
    rows = _rows(accountant.get("/api/bills/export/?format=csv", headers={"Accept": "text/csv"}, expect=200))
    assert [(row["id"], row["total_bill"], row["total_due"], row["billing_date"]) for row in rows] == [
        (str(bill["id"]), "130.00", "30.00", "2025-11-30")]
    excel = accountant.get("/api/bills/export/?format=excel", headers={"Accept": XLSX}, expect=200)
    assert 'filename="bills.xlsx"' in excel.headers["Content-Disposition"]
    world.client("sales").get("/api/bills/export/?format=csv", expect=403)
    http.as_(None).get("/api/bills/export/", expect=401)
