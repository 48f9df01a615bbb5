"""ISP answers in the shapes of the spec's examples (specs/isp.md): the same field names and nesting,
the same JSON kinds, plain arrays for lists.

Each example is read from the spec's own text (tests/contract/specs.py), so the test holds the contract
as written; values are not compared (tests/contract/shapes.py).
"""

from __future__ import annotations

from tests.contract.shapes import assert_shaped_like
from tests.contract.specs import responses
from tests.isp.conftest import PASSWORD, customer_body, prospect_body
from tests.kit.bodies import file_upload

SPEC = "isp"


def _upload(client, path: str, csv: str):
    body, content_type = file_upload("file.csv", csv.encode())
    return client.call("POST", path, headers={"Content-Type": content_type}, data=body, expect=200).json_body


def test_auth(world, http):
    anonymous = http.as_(None)
    (login,) = responses(SPEC, "### Login")
    tokens = anonymous.post("/api/auth/login/", {"email": "sales@example.com", "password": PASSWORD},
                            expect=200).json_body
    assert_shaped_like(login, tokens, "POST /api/auth/login/")
    (refreshed,) = responses(SPEC, "### Refresh")
    pair = anonymous.post("/api/auth/refresh/", {"refresh": tokens["refresh"]}, expect=200).json_body
    assert_shaped_like(refreshed, pair, "POST /api/auth/refresh/")
    (me,) = responses(SPEC, "### Me")
    assert_shaped_like(me, http.as_(pair["access"]).get("/api/users/me/", expect=200).json_body, "GET /api/users/me/")
    (logged_out,) = responses(SPEC, "### Logout")
    answer = http.as_(pair["access"]).post("/api/auth/logout/", {"refresh": pair["refresh"]}, expect=205).json_body
    assert_shaped_like(logged_out, answer, "POST /api/auth/logout/")
    (registered,) = responses(SPEC, "### Register")
    answer = world.client("manager").post("/api/auth/register/", {
        "email": "user@example.com", "username": "user", "password": "Password123!"}, expect=201).json_body
    assert_shaped_like(registered, answer, "POST /api/auth/register/")
    (error,) = responses(SPEC, "## Error format") or [{"detail": "Invalid refresh token"}]
    assert_shaped_like(error, anonymous.post("/api/auth/refresh/", {"refresh": "garbage"}, expect=401).json_body,
                       "a refused refresh token")


def test_users_roles_and_menu(world):
    admin = world.client("manager")
    (users,) = responses(SPEC, "#### List Users")
    assert_shaped_like(users, admin.get("/api/users/", expect=200).json_body, "GET /api/users/")
    (created,) = responses(SPEC, "#### Create User")
    answer = admin.post("/api/users/", {"email": "newuser@example.com", "username": "newuser",
                                        "password": "Password123!", "first_name": "John", "last_name": "Doe",
                                        "role": 2, "is_active": True}, expect=201).json_body
    assert_shaped_like(created, answer, "POST /api/users/")
    assert_shaped_like(users[0], admin.get(f"/api/users/{answer['id']}/", expect=200).json_body, "GET /api/users/<id>/")
    (assigned,) = responses(SPEC, "### Assign Role to User")
    assert_shaped_like(assigned, world.client("super").post(f"/api/auth/assign-role/{answer['id']}/",
                                                            {"role": "sales_person"}, expect=200).json_body,
                       "POST /api/auth/assign-role/<id>/")
    (menu,) = responses(SPEC, "## Dynamic Menu")
    assert_shaped_like(menu, admin.get("/api/auth/menu/", expect=200).json_body, "GET /api/auth/menu/")


def test_prospects_customers_and_bills(world):
    admin = world.client("manager")
    (prospect,) = responses(SPEC, "## Prospects", "### List / Create")
    assert_shaped_like(prospect, admin.post("/api/customers/prospects/", prospect_body(), expect=201).json_body,
                       "POST /api/customers/prospects/")
    (customer,) = responses(SPEC, "## Customers", "### List / Create")
    created = admin.post("/api/customers/", customer_body(assigned_sales_person=world.users["sales"].id),
                         expect=201).json_body
    assert_shaped_like(customer, created, "POST /api/customers/")
    (bill,) = responses(SPEC, "## Bills", "### List / Create")
    answer = admin.post("/api/bills/", {
        "customer": created["id"], "nttn_cap": "CAP-01", "nttn_com": "COM-01", "billing_date": "2025-11-30",
        "iig_qt": "10.00", "iig_qt_price": "100.00", "fna": "1.00", "fna_price": "10.00", "ggc": "2.00",
        "ggc_price": "20.00", "discount": "0.00", "total_received": "100.00", "status": "Active",
        "remarks": "Monthly bill"}, expect=201).json_body
    assert_shaped_like(bill, answer, "POST /api/bills/")
    (imported,) = responses(SPEC, "## Customers", "### Import")
    csv = "name,company_name,email,phone,address,monthly_revenue,potential_revenue,assigned_sales_person,status\r\n" \
          "Acme Two,Acme,two@acme.com,,,7000.00,,,Active\r\n"
    assert_shaped_like(imported, _upload(admin, "/api/customers/import/", csv), "POST /api/customers/import/")
    (bills,) = responses(SPEC, "## Bills", "### Import")
    csv = "customer_email,customer_name,nttn_cap,nttn_com,billing_date,iig_qt,iig_qt_price,fna,fna_price,ggc," \
          "ggc_price,discount,total_received,status,remarks\r\ntwo@acme.com,,CAP-02,,2025-11-30,1,50,,,,,,,,\r\n"
    assert_shaped_like(bills, _upload(admin, "/api/bills/import/", csv), "POST /api/bills/import/")


def test_dashboards(world):
    admin = world.client("manager")
    admin.post("/api/customers/", customer_body(assigned_sales_person=world.users["sales"].id), expect=201)
    for heading, path in (("### KPIs Summary", "kpis"), ("### Weekly Revenue", "weekly-revenue"),
                          ("### Monthly Revenue", "monthly-revenue"), ("### Yearly Revenue", "yearly-revenue"),
                          ("### Customer-wise Revenue", "customer-wise-revenue"),
                          ("### KAM Performance", "kam-performance")):
        (example,) = responses(SPEC, heading)
        assert_shaped_like(example, admin.get(f"/api/dashboard/{path}/", expect=200).json_body,
                           f"GET /api/dashboard/{path}/")
