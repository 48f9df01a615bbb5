"""Payments: the spec's example, the balance rules (400 in the coded shape), the status moves, parallel
payments that never overpay nor lose one, and the daily run that marks past-due invoices overdue."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from tests.infra import test_policy_calls
from tests.revisbali.test_invoices import make_invoice

recorder = test_policy_calls.recorder  # a fixture: every AWS call, labelled with the function making it
SPEC_PAYMENT = {"amount": "100.00", "paymentDate": "2026-01-24", "paymentMethod": "bank_transfer",
                "reference": "TRX123456"}


@pytest.fixture
def at(monkeypatch):
    """Set the business clock: `at(datetime)`."""
    from chalicelib.products.revisbali import clock

    def freeze(instant):
        monkeypatch.setattr(clock, "source", lambda: instant)
    freeze(datetime(2026, 1, 24, 4, 0, tzinfo=UTC))
    return freeze


def pay(world, invoice, expect=201, who="staff", **changes):
    return world.client(who).post(f"/api/invoices/{invoice['id']}/payments/", {**SPEC_PAYMENT, **changes},
                                  expect=expect).json_body


def test_a_payment_answers_the_spec_shape_and_moves_the_invoice(world, at):
    invoice = make_invoice(world)
    payment = pay(world, invoice)
    assert {k: payment[k] for k in ("invoiceId", "amount", "paymentDate", "paymentMethod", "reference")} == {
        "invoiceId": invoice["id"], **SPEC_PAYMENT}
    assert payment["createdAt"].startswith("2026-01-24T04:00:00")
    assert payment["invoice"] == {"id": invoice["id"], "status": "partially_paid", "amountPaid": "100.00",
                                  "balanceDue": "120.00"}
    detail = world.client("agent").get(f"/api/invoices/{invoice['id']}/", expect=200).json_body
    assert (detail["status"], detail["amountPaid"], detail["balanceDue"]) == ("partially_paid", "100.00", "120.00")
    last = pay(world, invoice, amount=120)
    assert last["invoice"] == {"id": invoice["id"], "status": "paid", "amountPaid": "220.00", "balanceDue": "0.00"}
    listed = world.client("agent").get(f"/api/invoices/{invoice['id']}/payments/", expect=200).json_body
    assert listed["count"] == 2 and [p["id"] for p in listed["results"]] == [payment["id"], last["id"]]
    assert "invoice" not in listed["results"][0]
    assert pay(world, invoice, expect=400, amount="0.01") == {
        "code": "validation_error", "errors": {"amount": ["This invoice has nothing left to pay."]}}
    from chalicelib.core.config import using_settings
    from chalicelib.products.revisbali.models import Invoice
    from chalicelib.products.revisbali.services.common import History
    from chalicelib.products.revisbali.services.invoices import INVOICE

    with using_settings(world.app.crm_product.settings):
        moves = [(h.action, h.from_state, h.to_state) for h in INVOICE.history(Invoice.get(invoice["id"]), History)]
    assert moves == [("pay", "unpaid", "partially_paid"), ("settle", "partially_paid", "paid")]


def test_the_date_defaults_to_today_in_bali(world, at):
    at(datetime(2026, 1, 24, 17, 0, tzinfo=UTC))  # 01:00 on the 25th in Bali
    invoice = make_invoice(world)
    body = {"amount": "1.00", "paymentMethod": "cash"}
    made = world.client("staff").post(f"/api/invoices/{invoice['id']}/payments/", body, expect=201).json_body
    assert (made["paymentDate"], made["reference"]) == ("2026-01-25", None)
    assert pay(world, invoice, expect=400, paymentDate="2026-01-26")["errors"] == {
        "paymentDate": ["The payment date cannot be after today (2026-01-25)."]}


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "0.00"}, "amount"), ({"amount": "-5.00"}, "amount"), ({"amount": 0}, "amount"),
    ({"amount": "220.01"}, "amount"), ({"amount": "1.001"}, "amount"), ({"amount": "1e2"}, "amount"),
    ({"amount": "\uff11.00"}, "amount"), ({"amount": True}, "amount"), ({"amount": None}, "amount"),
    ({"paymentMethod": "cheque"}, "paymentMethod"), ({"paymentDate": "24/01/2026"}, "paymentDate"),
    ({"paymentDate": "2026-02-30"}, "paymentDate"), ({"reference": "a\u202eb"}, "reference"),
    ({"reference": "x" * 101}, "reference"),
])
def test_bad_payments_are_400_and_change_nothing(world, at, change, field):
    invoice = make_invoice(world)
    body = pay(world, invoice, expect=400, **change)
    assert body["code"] == "validation_error" and field in body["errors"], body
    detail = world.client("staff").get(f"/api/invoices/{invoice['id']}/", expect=200).json_body
    assert (detail["amountPaid"], detail["status"]) == ("0.00", "unpaid")
    assert world.client("staff").get(f"/api/invoices/{invoice['id']}/payments/", expect=200).json_body["count"] == 0


def test_more_than_the_balance_names_the_balance(world, at):
    invoice = make_invoice(world)
    assert pay(world, invoice, expect=400, amount="220.01")["errors"] == {
        "amount": ["Ensure this value is less than or equal to the balance due (220.00)."]}


def test_who_may_pay(world, http, at):
    mine, theirs = make_invoice(world), make_invoice(world, "other_agent")
    assert pay(world, mine, expect=403, who="agent")["code"] == "permission_denied"
    pay(world, theirs, who="admin")
    http.post(f"/api/invoices/{mine['id']}/payments/", SPEC_PAYMENT, expect=401)
    world.client("staff").post("/api/invoices/999999/payments/", SPEC_PAYMENT, expect=404)


def test_parallel_payments_never_overpay_nor_lose_one(world, at):
    """12 clerks pay 20.00 each at once on a 220.00 invoice: 11 are recorded, the last is refused,
    and the invoice's figures are the sum of the recorded payments."""
    invoice = make_invoice(world)
    clerks = 12
    start = threading.Barrier(clerks)

    def clerk(_):
        start.wait(timeout=20)
        body = {**SPEC_PAYMENT, "amount": "20.00"}
        return world.client("staff").post(f"/api/invoices/{invoice['id']}/payments/", body)

    with ThreadPoolExecutor(max_workers=clerks) as pool:
        answers = list(pool.map(clerk, range(clerks)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * 11 + [400], [a.json_body for a in answers if a.status_code != 201]
    recorded = world.client("staff").get(f"/api/invoices/{invoice['id']}/payments/?pageSize=100",
                                         expect=200).json_body["results"]
    assert len(recorded) == 11 and sum(float(p["amount"]) for p in recorded) == 220.0
    assert len({p["id"] for p in recorded}) == 11
    detail = world.client("staff").get(f"/api/invoices/{invoice['id']}/", expect=200).json_body
    assert (detail["amountPaid"], detail["balanceDue"], detail["status"]) == ("220.00", "0.00", "paid")


def _fire_overdue(app):
    from chalice.test import Client

    with Client(app) as client:
        return client.lambda_.invoke("overdue_invoices", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload


def test_the_daily_run_marks_past_due_open_invoices_overdue(world, at):
    unpaid, partly, paid = make_invoice(world), make_invoice(world), make_invoice(world, "other_agent")
    pay(world, partly, amount="20.00")
    pay(world, paid, amount="220.00")
    at(datetime(2026, 2, 7, 15, 59, tzinfo=UTC))  # 23:59 on 7 February in Bali: due today, not past due
    assert _fire_overdue(world.app) == {"pastDue": 0, "marked": 0}
    at(datetime(2026, 2, 7, 16, 5, tzinfo=UTC))  # 00:05 on 8 February in Bali
    assert _fire_overdue(world.app) == {"pastDue": 2, "marked": 2}
    staff = world.client("staff")
    statuses = {i["id"]: i["status"] for i in staff.get("/api/invoices/", expect=200).json_body["results"]}
    assert statuses == {unpaid["id"]: "overdue", partly["id"]: "overdue", paid["id"]: "paid"}
    assert _fire_overdue(world.app) == {"pastDue": 0, "marked": 0}
    assert [i["id"] for i in world.client("agent").get("/api/invoices/?status=overdue", expect=200).json_body[
        "results"]] == [partly["id"], unpaid["id"]]
    partial = pay(world, unpaid, amount="20.00")
    assert partial["invoice"]["status"] == "overdue"
    assert pay(world, unpaid, amount="200.00")["invoice"] == {"id": unpaid["id"], "status": "paid",
                                                              "amountPaid": "220.00", "balanceDue": "0.00"}


def test_the_schedule_is_declared_daily_in_utc():
    from chalicelib.products.revisbali.workers import SCHEDULES

    assert [(s.name, s.expression) for s in SCHEDULES] == [("overdue_invoices", "cron(5 16 * * ? *)")]


def test_the_overdue_run_makes_only_calls_its_policy_grants(world, at, recorder):
    """Its Lambda role (infra/policy.py) allows every call the run makes, and the run uses each grant."""
    from chalicelib.core.config import using_settings
    from infra.policy import functions, grants, policy_document

    make_invoice(world)
    at(datetime(2026, 3, 1, 4, 0, tzinfo=UTC))
    with test_policy_calls.as_function("overdue_invoices"):
        assert _fire_overdue(world.app) == {"pastDue": 1, "marked": 1}
    with using_settings(world.app.crm_product.settings):
        from chalicelib.core.config import get_settings

        settings = get_settings()
        function = {f.name: f for f in functions(world.app)}["overdue_invoices"]
        document = policy_document(function, settings)
        calls = [(action, arn) for label, action, arn in recorder if label == "overdue_invoices"]
        assert calls and [call for call in calls if not test_policy_calls.allowed(document, *call, settings)] == []
        granted = {a for grant in grants(function, settings) if grant.sid == "MarkOverdue" for a in grant.actions}
        assert granted <= {action for action, _ in calls}
