"""RevisBali answers in the shapes of the spec's examples (specs/revisbali.md): camelCase field names
and nesting, the same JSON kinds, DRF's `{count, next, previous, results}` pages, coded errors.

Each example is read from the spec's own text (tests/contract/specs.py), so the test holds the contract
as written; values are not compared (tests/contract/shapes.py).
"""

from __future__ import annotations

from tests.contract.shapes import assert_shaped_like
from tests.contract.specs import examples, responses
from tests.core.ocr.fixtures import page_bytes
from tests.revisbali.conftest import PASSWORD, customer_body
from tests.revisbali.test_documents import deliver, engine, key_of, passport_upload  # noqa: F401 - a fixture
from tests.revisbali.test_invoices import invoice_body

SPEC = "revisbali"


def test_token_and_refresh(world, http):
    anonymous = http.as_(None)
    token, refused = responses(SPEC, "### POST /api/token/")
    login = anonymous.post("/api/token/", {"username": "agent@revisbali.test", "password": PASSWORD},
                           expect=200).json_body
    assert_shaped_like(token, login, "POST /api/token/")
    assert_shaped_like(refused, anonymous.post("/api/token/", {"username": "agent@revisbali.test",
                                                                "password": "wrong"}, expect=400).json_body,
                       "POST /api/token/ with a wrong password")
    (refreshed,) = responses(SPEC, "### POST /api/token/refresh/")
    assert_shaped_like(refreshed, anonymous.post("/api/token/refresh/", {"refresh": login["refresh"]},
                                                 expect=200).json_body, "POST /api/token/refresh/")


def test_customers(world):
    agent = world.client("agent")
    (page,) = responses(SPEC, "#### GET /api/customers/?search=")
    assert_shaped_like(page, agent.get("/api/customers/?search=client&page=1&pageSize=10", expect=200).json_body,
                       "GET /api/customers/")
    created, duplicate = responses(SPEC, "#### POST /api/customers/")
    answer = agent.post("/api/customers/", {**customer_body(), "agentId": world.users["agent"].id},
                        expect=201).json_body
    assert_shaped_like(created, answer, "POST /api/customers/")
    assert_shaped_like(duplicate, agent.post("/api/customers/", customer_body(), expect=400).json_body,
                       "POST /api/customers/ with a taken e-mail")
    assert_shaped_like(created, agent.get(f"/api/customers/{answer['id']}/", expect=200).json_body,
                       "GET /api/customers/<id>/")


def test_applications_and_documents(world, engine):  # noqa: F811 - the fixture
    customer = world.customers["agent"].id
    agent = world.client("agent")
    (created,) = responses(SPEC, "### POST /api/applications/")
    application = agent.post("/api/applications/", {"customerId": customer, "applicationType": "visa",
                                                    "visaType": "tourist", "duration": 30,
                                                    "purpose": "Tourism and leisure travel"}, expect=201).json_body
    assert_shaped_like(created, application, "POST /api/applications/")
    (uploaded,) = responses(SPEC, "### POST /api/documents/")
    document = passport_upload(world, application, page_bytes("pp00.png")).json_body
    assert_shaped_like(uploaded, document, "POST /api/documents/")
    (detail,) = responses(SPEC, "### GET /api/applications/{id}/")
    assert_shaped_like(detail, agent.get(f"/api/applications/{application['id']}/", expect=200).json_body,
                       "GET /api/applications/<id>/")
    processing, complete, _failed = responses(SPEC, "### GET /api/ocr/status/")
    status = f"/api/ocr/status/{document['ocrJobId']}/"
    assert_shaped_like(processing, agent.get(status, expect=200).json_body, "GET /api/ocr/status/<id>/ (waiting)")
    deliver(world, key_of(document))
    assert_shaped_like(complete, agent.get(status, expect=200).json_body, "GET /api/ocr/status/<id>/ (complete)")


def test_invoices_and_payments(world):
    staff = world.client("staff")
    application = world.client("agent").post("/api/applications/", {
        "customerId": world.customers["agent"].id, "applicationType": "visa"}, expect=201).json_body
    (created,) = responses(SPEC, "### POST /api/invoices/")
    invoice = staff.post("/api/invoices/", invoice_body(application), expect=201).json_body
    assert_shaped_like(created, invoice, "POST /api/invoices/")
    (calculated,) = responses(SPEC, "### POST /api/invoices/{id}/calculate/")
    assert_shaped_like(calculated, staff.post(f"/api/invoices/{invoice['id']}/calculate/", expect=200).json_body,
                       "POST /api/invoices/<id>/calculate/")
    paid, invoice_after = responses(SPEC, "### POST /api/invoices/{id}/payments/")
    payment = staff.post(f"/api/invoices/{invoice['id']}/payments/", {
        "amount": "100.00", "paymentDate": "2026-01-24", "paymentMethod": "bank_transfer",
        "reference": "TRX123456"}, expect=201).json_body
    assert_shaped_like(paid, payment, "POST /api/invoices/<id>/payments/")
    assert_shaped_like(invoice_after, staff.get(f"/api/invoices/{invoice['id']}/", expect=200).json_body,
                       "GET /api/invoices/<id>/ after a payment")


def test_error_shapes(world, http):
    bad_input, unauthorized, forbidden, not_found, _server = (
        example.body for example in examples(SPEC, "## Error Responses"))
    body = {key: value for key, value in customer_body(phoneNumber="not a phone").items() if key != "countryId"}
    provoked = {**bad_input, "errors": {key: bad_input["errors"][key] for key in ("phoneNumber", "countryId")}}
    assert_shaped_like(provoked, world.client("agent").post("/api/customers/", body, expect=400).json_body,
                       "a bad phone number and no country")
    assert_shaped_like(unauthorized, http.as_(None).get("/api/customers/", expect=401).json_body, "no token")
    assert_shaped_like(forbidden, world.client("agent").get("/api/users/", expect=403).json_body, "an agent")
    assert_shaped_like(not_found, world.client("agent").get("/api/customers/999999/", expect=404).json_body,
                       "a missing customer")
