"""RepaySync answers in the shapes of the spec's examples (specs/repaysync.md): the same field names
and nesting, the same JSON kinds, plain arrays for lists, `{"error"}` / `{"errors": {field: [...]}}`.

Each example is read from the spec's own text (tests/contract/specs.py), so the test holds the contract
as written; values are not compared (tests/contract/shapes.py).
"""

from __future__ import annotations

from tests.contract.shapes import assert_shaped_like
from tests.contract.specs import examples, responses
from tests.kit.bodies import file_upload
from tests.repaysync.conftest import PASSWORD, customer_body, loan_body

SPEC = "repaysync"


def _upload(world, path: str, filename: str, data: bytes):
    body, content_type = file_upload(filename, data)
    return world.http.client.http.post(path, headers={"Content-Type": content_type, **world.as_("admin")},
                                       body=body)


def test_tokens_and_refresh(world):
    (pair,) = responses(SPEC, "3.1 Obtain JWT Tokens")
    answer = world.http.post("/api/auth/token/", {"username": "admin", "password": PASSWORD}, expect=200).json_body
    assert_shaped_like(pair, answer, "POST /api/auth/token/")
    (refreshed,) = responses(SPEC, "3.2 Refresh JWT Access Token")
    again = world.http.post("/api/auth/token/refresh/", {"refresh": answer["refresh"]}, expect=200).json_body
    assert_shaped_like(refreshed, again, "POST /api/auth/token/refresh/")


def test_users_list(world):
    (users,) = responses(SPEC, "4.2 List All Users")
    answer = world.client("admin").get("/api/users/", expect=200).json_body
    assert_shaped_like(users, answer, "GET /api/users/")
    with_manager = next(user for user in answer if user["manager"] is not None)  # the officer's manager
    assert isinstance(with_manager["manager"], int)


def test_customers_list_create_and_detail(world):
    (customers,) = responses(SPEC, "5.1 List & Create Customers")
    admin = world.client("admin")
    assert_shaped_like(customers, admin.get("/api/customers/", expect=200).json_body, "GET /api/customers/")
    for path in ("/api/customers/", "/api/customers/create/"):  # "Returns the created customer details"
        created = admin.post(path, customer_body(email=None, customer_code=None), expect=201).json_body
        assert_shaped_like(customers[0], created, f"POST {path}")
    detail = admin.get(f"/api/customers/{created['id']}/", expect=200).json_body
    assert_shaped_like(customers[0], detail, "GET /api/customers/<id>/")


def test_loans_of_a_customer_and_a_created_loan(world):
    (loans,) = responses(SPEC, "6.3 Retrieve All Loans for a Particular Customer")
    customer = world.customers["officer"].id
    admin = world.client("admin")
    created = admin.post("/api/loans/", loan_body(customer, loan_account_number="LN67890"), expect=201).json_body
    assert_shaped_like(loans[0], created, "POST /api/loans/")
    answer = admin.get(f"/api/loans/customer/{customer}/", expect=200).json_body
    assert_shaped_like(loans, answer, "GET /api/loans/customer/<id>/")
    assert_shaped_like(loans, admin.get("/api/loans/", expect=200).json_body, "GET /api/loans/")


def test_interactions_of_a_loan(world):
    (interactions,) = responses(SPEC, "7.1.3 List Field Interactions for a Loan")
    loan = world.loans["officer"].id
    for kind, who, disposition in (("field", "officer", "visited"), ("calling", "agent", "called")):
        author = world.client(who)
        created = author.post(f"/api/interactions/{kind}/create/", {
            "loan": loan, "comment": "Discussed repayment.", "disposition": disposition,
            "next_call_date": "2099-03-15"}, expect=201).json_body
        assert_shaped_like(interactions[0], created, f"POST /api/interactions/{kind}/create/")
        listed = author.get(f"/api/interactions/{kind}/loan/{loan}/", expect=200).json_body
        assert_shaped_like(interactions, listed, f"GET /api/interactions/{kind}/loan/<id>/")


def test_bulk_uploads(world):
    (customers,) = responses(SPEC, "5.4 Bulk Upload Customers")
    csv = (b"customer_code,name,phone,email,address_line_1,address_line_2,city,state,pincode,date_of_birth\n"
           b",Asha Rao,+91-9876500001,asha@example.com,1 Park St,,Kolkata,WB,700016,1985-05-01\n")
    response = _upload(world, "/api/customers/bulk/upload/", "customers.csv", csv)
    assert response.status_code == 201, response.body
    assert_shaped_like(customers, response.json_body, "POST /api/customers/bulk/upload/")
    (interactions,) = responses(SPEC, "7.3 Bulk Upload Interactions")
    csv = f"loan_id,comment,disposition,next_call_date\n{world.loans['officer'].id},Called,called,\n".encode()
    response = _upload(world, "/api/interactions/bulk/upload/", "interactions.csv", csv)
    assert response.status_code == 201, response.body
    assert_shaped_like(interactions, response.json_body, "POST /api/interactions/bulk/upload/")


def test_logs(world):
    (logs,) = responses(SPEC, "8.1 List API Logs")
    world.client("officer").get("/api/customers/", expect=200)
    assert_shaped_like(logs, world.client("admin").get("/api/logs/", expect=200).json_body, "GET /api/logs/")


def test_error_shapes(world):
    """The spec's two error forms: `{"error": "..."}` and `{"errors": {"name": ["..."]}}`."""
    error, field_errors = (example.body for example in examples(SPEC, "10 Error Handling"))
    no_file = world.http.client.http.post("/api/customers/bulk/upload/", headers={
        "Content-Type": "multipart/form-data; boundary=x", **world.as_("admin")}, body=b"--x--\r\n")
    assert no_file.status_code == 400, no_file.body
    assert_shaped_like(error, no_file.json_body, "a missing file")
    invalid = world.client("admin").post("/api/customers/", {}, expect=400).json_body
    assert_shaped_like(field_errors, invalid, "a missing name")
    assert "name" in invalid["errors"]

