"""Invoices: the spec's example (totals, INV-<year>-<id>, due in 14 business days), tax rounding,
calculate, lists and scoping, bad input in the coded error shape."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

SPEC_LINES = [{"description": "Visa Processing Fee", "quantity": 1, "price": "150.00"},
              {"description": "Document Translation", "quantity": 2, "price": "25.00"}]


@pytest.fixture
def frozen(monkeypatch):
    """The business clock at 2026-01-24T17:20Z: already 2026-01-25 in Bali (UTC+8)."""
    from chalicelib.products.revisbali import clock

    instant = datetime(2026, 1, 24, 17, 20, tzinfo=UTC)
    monkeypatch.setattr(clock, "source", lambda: instant)
    return instant


def application_of(world, owner):
    body = {"customerId": world.customers[owner].id, "applicationType": "visa"}
    return world.client(owner).post("/api/applications/", body, expect=201).json_body


def invoice_body(application, **changes):
    return {"customerId": application["customerId"], "applicationId": application["id"], "lineItems": SPEC_LINES,
            "taxRate": "0.10", **changes}


def make_invoice(world, owner="agent", **changes):
    application = application_of(world, owner)
    return world.client("staff").post("/api/invoices/", invoice_body(application, **changes), expect=201).json_body


@pytest.mark.parametrize("quantity", [True, "2"])
def test_a_quantity_is_a_json_integer(world, quantity):
    """`type: integer` (make fuzz: a line item's `"quantity": true` was read as 1 and the invoice made)."""
    lines = [{"description": "Visa Processing Fee", "quantity": quantity, "price": "150.00"}]
    body = world.client("staff").post("/api/invoices/", invoice_body(application_of(world, "agent"), lineItems=lines),
                                      expect=400).json_body
    assert body["errors"] == {"lineItems.0.quantity": ["A valid integer is required."]}, body


def test_a_multipart_invoice_carries_its_lines_as_a_json_part_as_strict_as_json(world):
    """The ids are form text; the lines are JSON, where "2" is not a quantity (make fuzz: `true` was one)."""
    import json

    from tests.kit.bodies import multipart

    application = application_of(world, "agent")

    def post(lines: list[dict]) -> object:
        data, content_type = multipart({"customerId": str(application["customerId"]),
                                        "applicationId": str(application["id"]), "taxRate": "0.10",
                                        "lineItems": json.dumps(lines)}, {})
        return world.client("staff").call("POST", "/api/invoices/", headers={"Content-Type": content_type}, data=data)

    created = post(SPEC_LINES)
    assert created.status_code == 201, created.body
    assert created.json_body["total"] == "220.00" and len(created.json_body["lineItems"]) == 2
    for quantity in ("2", True):
        refused = post([{**SPEC_LINES[0], "quantity": quantity}])
        assert refused.status_code == 400, (quantity, refused.body)
        assert refused.json_body["errors"] == {"lineItems.0.quantity": ["A valid integer is required."]}


def test_create_answers_the_spec_example(world, frozen):
    invoice = make_invoice(world)
    assert invoice["invoiceNumber"] == f"INV-2026-{invoice['id']}"
    assert [{k: line[k] for k in ("description", "quantity", "price", "total")} for line in invoice["lineItems"]] == [
        {**SPEC_LINES[0], "total": "150.00"}, {**SPEC_LINES[1], "total": "50.00"}]
    assert len({line["id"] for line in invoice["lineItems"]}) == 2
    assert {k: invoice[k] for k in ("subtotal", "tax", "total", "amountPaid", "balanceDue", "status", "taxRate")} == {
        "subtotal": "200.00", "tax": "20.00", "total": "220.00", "amountPaid": "0.00", "balanceDue": "220.00",
        "status": "unpaid", "taxRate": "0.10"}
    assert invoice["dueDate"] == "2026-02-08T00:00:00Z"  # 14 days after the business date 2026-01-25
    assert invoice["createdAt"].startswith("2026-01-24T17:20:00")
    detail = world.client("agent").get(f"/api/invoices/{invoice['id']}/", expect=200).json_body
    assert detail == invoice


def test_tax_rounds_half_up_to_the_cent(world):
    lines = [{"description": "Fee", "quantity": 3, "price": "0.15"}]  # 0.45 x 0.05 = 0.0225 -> 0.02
    assert make_invoice(world, lineItems=lines, taxRate="0.05")["tax"] == "0.02"
    lines = [{"description": "Fee", "quantity": 1, "price": "0.50"}]  # 0.50 x 0.01 = 0.005 -> 0.01 (half up)
    made = make_invoice(world, lineItems=lines, taxRate="0.01")
    assert (made["tax"], made["total"]) == ("0.01", "0.51")
    lines = [{"description": "Fee", "quantity": 7, "price": 19.99}]  # numbers too: 139.93 x 0.125 = 17.49125
    made = make_invoice(world, lineItems=lines, taxRate="0.125")
    assert (made["subtotal"], made["tax"], made["total"], made["taxRate"]) == ("139.93", "17.49", "157.42", "0.125")
    assert make_invoice(world, taxRate="0")["tax"] == "0.00"


def test_calculate_recomputes_and_repairs_the_stored_totals(world):
    invoice = make_invoice(world)
    staff = world.client("staff")
    path = f"/api/invoices/{invoice['id']}/calculate/"
    expected = {"subtotal": "200.00", "tax": "20.00", "total": "220.00", "balanceDue": "220.00"}
    assert staff.post(path, expect=200).json_body == expected
    from chalicelib.products.revisbali.models import Invoice

    with_settings = world.app.crm_product.settings
    from chalicelib.core.config import using_settings

    with using_settings(with_settings):
        Invoice(invoice["id"]).update(actions=[Invoice.total.set(Decimal("1")), Invoice.balance_due.set(Decimal("1"))],
                                      add_version_condition=False)
    assert staff.get(f"/api/invoices/{invoice['id']}/", expect=200).json_body["total"] == "1.00"
    assert staff.post(path, expect=200).json_body == expected
    assert staff.get(f"/api/invoices/{invoice['id']}/", expect=200).json_body["balanceDue"] == "220.00"


@pytest.mark.parametrize(("change", "field"), [
    ({"lineItems": []}, "lineItems"),
    ({"lineItems": [{"description": "x", "quantity": 0, "price": "1.00"}]}, "lineItems"),
    ({"lineItems": [{"description": "x", "quantity": 1, "price": "1.001"}]}, "lineItems"),
    ({"lineItems": [{"description": "x", "quantity": 1, "price": "-1.00"}]}, "lineItems"),
    ({"lineItems": [{"description": "x", "quantity": 1, "price": "NaN"}]}, "lineItems"),
    ({"lineItems": [{"description": "=HYPERLINK(\"x\")\u0007", "quantity": 1, "price": "1.00"}]}, "lineItems"),
    ({"lineItems": [{"description": "", "quantity": 1, "price": "1.00"}]}, "lineItems"),
    ({"lineItems": [{"description": "x", "quantity": 1, "price": "1.00"}] * 51}, "lineItems"),
    ({"taxRate": "1.5"}, "taxRate"), ({"taxRate": "-0.1"}, "taxRate"), ({"taxRate": "0.12345"}, "taxRate"),
    ({"customerId": "1"}, "customerId"), ({"applicationId": None}, "applicationId"),
    ({"customerId": 99999}, "customerId"), ({"applicationId": 99999}, "applicationId"),
])
def test_create_refuses_bad_input(world, change, field):
    application = application_of(world, "agent")
    body = world.client("admin").post("/api/invoices/", invoice_body(application, **change), expect=400).json_body
    assert body["code"] == "validation_error" and any(key.split(".")[0] == field for key in body["errors"]), body


def test_an_application_of_another_customer_is_refused(world):
    mine, theirs = application_of(world, "agent"), application_of(world, "other_agent")
    body = world.client("staff").post("/api/invoices/", invoice_body(mine, applicationId=theirs["id"]),
                                      expect=400).json_body
    assert body == {"code": "validation_error",
                    "errors": {"applicationId": [f"Application with id {theirs['id']} not found for this customer."]}}


def test_agents_read_their_customers_invoices_only_and_do_not_bill(world):
    mine, theirs = make_invoice(world, "agent"), make_invoice(world, "other_agent")
    agent = world.client("agent")
    agent.get(f"/api/invoices/{mine['id']}/", expect=200)
    assert agent.get(f"/api/invoices/{theirs['id']}/", expect=404).json_body == {
        "code": "not_found", "errors": {"detail": f"Invoice with id {theirs['id']} not found."}}
    agent.get(f"/api/invoices/{theirs['id']}/payments/", expect=404)
    assert agent.post("/api/invoices/", invoice_body(application_of(world, "agent")), expect=403).json_body[
        "code"] == "permission_denied"
    agent.post(f"/api/invoices/{mine['id']}/calculate/", expect=403)
    page = agent.get("/api/invoices/", expect=200).json_body
    assert page["count"] == 1 and [item["id"] for item in page["results"]] == [mine["id"]]


def test_the_list_filters_orders_and_pages(world):
    first, second, third = make_invoice(world), make_invoice(world), make_invoice(world, "other_agent")
    staff = world.client("staff")
    newest = staff.get("/api/invoices/?pageSize=2", expect=200).json_body
    assert newest["count"] == 3 and [i["id"] for i in newest["results"]] == [third["id"], second["id"]]
    assert newest["next"] and newest["previous"] is None
    oldest = staff.get("/api/invoices/?ordering=createdAt", expect=200).json_body
    assert [i["id"] for i in oldest["results"]] == [first["id"], second["id"], third["id"]]
    customer = world.customers["agent"].id
    theirs = staff.get(f"/api/invoices/?customerId={customer}&status=unpaid", expect=200).json_body
    assert [i["id"] for i in theirs["results"]] == [second["id"], first["id"]]
    assert staff.get("/api/invoices/?status=paid", expect=200).json_body["count"] == 0
    assert world.client("agent").get("/api/invoices/?status=unpaid", expect=200).json_body["count"] == 2
    hidden = world.client("agent").get(f"/api/invoices/?customerId={world.customers['other_agent'].id}",
                                       expect=200).json_body
    assert hidden["count"] == 0


@pytest.mark.parametrize("query", ["status=open", "customerId=x", "ordering=total", "pageSize=0"])
def test_the_list_refuses_bad_queries(world, query):
    assert world.client("staff").get(f"/api/invoices/?{query}", expect=400).json_body["code"] == "validation_error"


def test_invoices_need_a_token(http):
    for path in ("/api/invoices/", "/api/invoices/1/", "/api/invoices/1/payments/"):
        assert http.get(path, expect=401).json_body["code"] == "authentication_failed"
    http.post("/api/invoices/1/calculate/", expect=401)


def test_a_missing_invoice_is_404(world):
    world.client("admin").get("/api/invoices/999999/", expect=404)
    world.client("admin").post("/api/invoices/999999/calculate/", expect=404)


def test_invoices_follow_their_customers_agent(world):
    invoice = make_invoice(world)
    world.client("staff").patch(f"/api/customers/{invoice['customerId']}/", {"agentId": world.users["other_agent"].id},
                                expect=200)
    world.client("agent").get(f"/api/invoices/{invoice['id']}/", expect=404)
    page = world.client("other_agent").get("/api/invoices/?status=unpaid", expect=200).json_body
    assert invoice["id"] in [item["id"] for item in page["results"]]


def test_the_list_filters_by_application(world):
    first = make_invoice(world)
    application = application_of(world, "agent")
    second = world.client("staff").post("/api/invoices/", invoice_body(application), expect=201).json_body
    staff = world.client("staff")
    found = staff.get(f"/api/invoices/?applicationId={application['id']}", expect=200).json_body
    assert found["count"] == 1 and [i["id"] for i in found["results"]] == [second["id"]]
    assert staff.get(f"/api/invoices/?applicationId={first['applicationId']}&status=paid",
                     expect=200).json_body["count"] == 0
    mismatch = f"/api/invoices/?applicationId={application['id']}&customerId={world.customers['other_agent'].id}"
    assert staff.get(mismatch, expect=200).json_body["count"] == 0
    assert world.client("agent").get(f"/api/invoices/?applicationId={application['id']}",
                                     expect=200).json_body["count"] == 1
    assert world.client("other_agent").get(f"/api/invoices/?applicationId={application['id']}",
                                           expect=200).json_body["count"] == 0
    staff.get("/api/invoices/?applicationId=abc", expect=400)


def test_a_cancelled_application_is_not_invoiced(world):
    application = application_of(world, "agent")
    world.client("agent").patch(f"/api/applications/{application['id']}/", {"status": "cancelled"}, expect=200)
    body = world.client("staff").post("/api/invoices/", invoice_body(application), expect=400).json_body
    assert body["errors"] == {"applicationId": ["A cancelled application cannot be invoiced."]}
