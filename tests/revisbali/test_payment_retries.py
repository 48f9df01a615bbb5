"""Idempotency-Key on POST /api/invoices/{id}/payments/: a retry after a timeout answers the first
payment again and records nothing twice, even when the retries race; the same key with another body,
another invoice or a malformed key is refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.revisbali.test_invoices import make_invoice
from tests.revisbali.test_payments import SPEC_PAYMENT, at  # noqa: F401 - `at` is a fixture

PAYMENTS = "/api/invoices/{}/payments/"


def post(world, invoice, key, body=None, who="staff"):
    headers = {} if key is None else {"Idempotency-Key": key}
    return world.client(who).post(PAYMENTS.format(invoice["id"]), body or SPEC_PAYMENT, headers)


def figures(world, invoice):
    detail = world.client("staff").get(f"/api/invoices/{invoice['id']}/", expect=200).json_body
    listed = world.client("staff").get(PAYMENTS.format(invoice["id"]) + "?pageSize=100", expect=200).json_body
    return detail["amountPaid"], [p["id"] for p in listed["results"]]


def test_a_retry_answers_the_first_payment_and_records_it_once(world, at):  # noqa: F811
    invoice = make_invoice(world)
    first = post(world, invoice, "retry-1")
    again = post(world, invoice, "retry-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json_body == first.json_body
    assert again.json_body["invoice"]["amountPaid"] == "100.00"
    assert figures(world, invoice) == ("100.00", [first.json_body["id"]])
    other = post(world, invoice, "retry-2")  # a new key is a new payment
    assert other.status_code == 201 and other.json_body["invoice"]["amountPaid"] == "200.00"


def test_no_key_records_every_post(world, at):  # noqa: F811
    invoice = make_invoice(world)
    assert [post(world, invoice, None).status_code for _ in range(2)] == [201, 201]
    assert figures(world, invoice)[0] == "200.00"


def test_keys_belong_to_their_caller(world, at):  # noqa: F811
    invoice = make_invoice(world)
    assert post(world, invoice, "shared", who="staff").status_code == 201
    assert post(world, invoice, "shared", who="admin").status_code == 201
    assert figures(world, invoice)[0] == "200.00"


@pytest.mark.parametrize("change", [{"amount": "20.00"}, {"reference": "TRX999"}, {"paymentMethod": "cash"}])
def test_the_same_key_with_another_request_is_409_and_changes_nothing(world, at, change):  # noqa: F811
    invoice = make_invoice(world)
    first = post(world, invoice, "k1").json_body
    refused = post(world, invoice, "k1", {**SPEC_PAYMENT, **change})
    assert refused.status_code == 409, refused.json_body
    assert refused.json_body == {"code": "conflict", "errors": {
        "detail": "This Idempotency-Key was already used with a different request."}}
    assert figures(world, invoice) == ("100.00", [first["id"]])


def test_the_same_key_on_another_invoice_is_409(world, at):  # noqa: F811
    one, two = make_invoice(world), make_invoice(world)
    assert post(world, one, "k1").status_code == 201
    assert post(world, two, "k1").status_code == 409
    assert figures(world, two) == ("0.00", [])


def test_a_refused_payment_is_not_stored(world, at):  # noqa: F811
    invoice = make_invoice(world)
    assert post(world, invoice, "big", {**SPEC_PAYMENT, "amount": "999.00"}).status_code == 400
    assert post(world, invoice, "big", {**SPEC_PAYMENT, "amount": "999.00"}).status_code == 400
    assert post(world, invoice, "big").status_code == 201


@pytest.mark.parametrize("key", ["", " ", "a b", "x" * 129, "caf\u00e9", "\u0430bc", "a\tb", "a\x7fb", "\uff11"])
def test_a_malformed_key_is_400_and_changes_nothing(world, at, key):  # noqa: F811
    invoice = make_invoice(world)
    answer = post(world, invoice, key)
    assert answer.status_code == 400, answer.json_body
    assert answer.json_body == {"code": "validation_error", "errors": {
        "Idempotency-Key": ["Must be 1 to 128 visible ASCII characters (no spaces)."]}}
    assert figures(world, invoice) == ("0.00", [])


def test_the_longest_key_is_accepted(world, at):  # noqa: F811
    invoice = make_invoice(world)
    key = "".join(chr(c) for c in range(0x21, 0x7f))[:128].ljust(128, "~")
    assert post(world, invoice, key).status_code == 201
    assert post(world, invoice, key).status_code == 201
    assert figures(world, invoice)[0] == "100.00"


def test_parallel_retries_with_one_key_record_one_payment(world, at):  # noqa: F811
    invoice = make_invoice(world)
    clients = 8
    start = threading.Barrier(clients)

    def retry(_):
        start.wait(timeout=20)
        return post(world, invoice, "burst", {**SPEC_PAYMENT, "amount": "220.00"})

    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = list(pool.map(retry, range(clients)))
    assert [a.status_code for a in answers] == [201] * clients, [a.json_body for a in answers]
    assert len({a.json_body["id"] for a in answers}) == 1
    assert figures(world, invoice) == ("220.00", [answers[0].json_body["id"]])


def test_a_key_expires_after_24_hours(world, at, monkeypatch):  # noqa: F811
    from chalicelib.core.db import idempotency

    invoice = make_invoice(world)
    assert post(world, invoice, "daily").status_code == 201
    later = datetime.now(UTC) + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(idempotency, "utcnow", lambda: later)
    assert post(world, invoice, "daily").status_code == 201
    assert figures(world, invoice)[0] == "200.00"


def test_a_browser_may_send_the_key(world):
    """The CORS preflight allows the header, or a browser client could never send it."""
    answer = world.http.client.http.request("OPTIONS", "/api/invoices/1/payments/", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key"})
    assert answer.status_code == 204
    allowed = {h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert "idempotency-key" in allowed
