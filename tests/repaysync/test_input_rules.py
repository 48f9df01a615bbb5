"""The core input rules as RepaySync's clients meet them: ASCII digits and usernames, no control or
invisible characters in text, strict integer ids (security review, issue 5)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.repaysync.conftest import customer_body, loan_body

FULL_WIDTH_NINE, ARABIC_INDIC_NINE, CYRILLIC_A = "\uff19", "\u0669", "\u0430"


def _register(http, **overrides):
    body = {"username": "johndoe", "email": "john@example.com", "role": "calling_agent",
            "password": "SomePassword123"}
    body.update(overrides)
    return http.post("/api/users/register/", body)


@pytest.mark.parametrize("phone", [f"+91-98765432{FULL_WIDTH_NINE}{FULL_WIDTH_NINE}",
                                   f"{ARABIC_INDIC_NINE * 10}", "+91\t9876543210"])
def test_phone_digits_are_ascii(world, phone):
    response = world.http.post("/api/customers/", customer_body(phone=phone), world.as_("admin"))
    assert response.status_code == 400, response.body
    assert list(response.json_body["errors"]) == ["phone"]


@pytest.mark.parametrize("pincode", [f"70000{ARABIC_INDIC_NINE}", f"7{FULL_WIDTH_NINE}0001"])
def test_pincode_digits_are_ascii(world, pincode):
    response = world.http.post("/api/customers/", customer_body(pincode=pincode), world.as_("admin"))
    assert response.status_code == 400, response.body
    assert response.json_body == {"errors": {"pincode": ["Enter a valid 6-digit PIN code."]}}


def test_page_size_digits_are_ascii(world):
    response = world.http.get(f"/api/customers/?page_size={ARABIC_INDIC_NINE}", world.as_("admin"))
    assert response.status_code == 400, response.body
    assert list(response.json_body["errors"]) == ["page_size"]


def test_username_is_ascii(http):
    response = _register(http, username=f"{CYRILLIC_A}dmin")
    assert response.status_code == 400, response.body
    assert list(response.json_body["errors"]) == ["username"]
    assert _register(http, username="admin.2+x@y_z-w").status_code == 201


@pytest.mark.parametrize(("field", "value"), [
    ("name", "John\x00Doe"), ("name", "John\nDoe"), ("city", "Kolkata\u202e"), ("address_line_1", "\x1b[31m"),
    ("address_line_2", "Apt\u200b4B"), ("state", "W\x7fB"), ("name", "John\x85Doe"),
])
def test_control_and_invisible_characters_are_refused_in_text(world, field, value):
    response = world.http.post("/api/customers/", customer_body(**{field: value}), world.as_("admin"))
    assert response.status_code == 400, response.body
    assert response.json_body == {"errors": {field: [
        "Control and invisible formatting characters are not allowed."]}}


def test_control_characters_are_refused_in_credentials(http):
    assert _register(http, password="SomePass\x00word123").status_code == 400
    response = http.post("/api/auth/token/", {"username": "admin\x00", "password": "x"})
    assert response.status_code == 400
    assert list(response.json_body["errors"]) == ["username"]


def test_free_text_takes_newlines_and_tabs_but_no_other_control_character(world):
    loan = world.loans["officer"].id
    officer = world.as_("officer")
    created = world.http.post("/api/interactions/field/create/",
                              {"loan": loan, "comment": "Line one\r\nLine two\tend", "disposition": "visited"},
                              officer)
    assert created.status_code == 201, created.body
    assert created.json_body["comment"] == "Line one\r\nLine two\tend"
    for bad in ("bell\x07", "nul\x00", "rtl\u202eoverride", "bom\ufeff"):
        response = world.http.post("/api/interactions/field/create/",
                                   {"loan": loan, "comment": bad, "disposition": "visited"}, officer)
        assert response.status_code == 400, (bad, response.body)
        assert list(response.json_body["errors"]) == ["comment"]


@pytest.mark.parametrize("customer", [True, "1", 1.5, "\uff11"])
def test_a_json_id_is_a_json_integer(world, customer):
    """`true` was customer 1; a JSON string or a fraction is not an id either (a form body's text is)."""
    response = world.http.post("/api/loans/", loan_body(customer, loan_account_number="LN-STRICT"),
                               world.as_("admin"))
    assert response.status_code == 400, response.body
    assert response.json_body == {"errors": {"customer": ["A valid integer is required."]}}


def test_a_whole_number_with_a_zero_fraction_is_the_id(world):
    """JSON Schema's `integer` (the document's type) and DRF both take 12.0 as 12."""
    customer = world.customers["officer"].id
    response = world.http.post("/api/loans/", loan_body(float(customer), loan_account_number="LN-WHOLE"),
                               world.as_("admin"))
    assert response.status_code == 201, response.body
    assert response.json_body["customer"] == customer


def test_a_json_id_in_a_patch_is_a_json_integer(world):
    customer = world.customers["officer"]
    response = world.http.patch(f"/api/customers/{customer.id}/", {"assigned_collection_officer": True},
                                world.as_("admin"))
    assert response.status_code == 400, response.body
    assert response.json_body == {"errors": {"assigned_collection_officer": ["A valid integer is required."]}}


def test_a_form_body_names_ids_with_ascii_digits(world):
    customer = world.customers["officer"].id
    headers = {**world.as_("admin"), "Content-Type": "application/x-www-form-urlencoded"}
    body = loan_body(customer, loan_account_number="LN-FORM")
    created = world.http.client.http.post("/api/loans/", headers=headers, body=urlencode(body).encode())
    assert created.status_code == 201, created.body
    assert created.json_body["customer"] == customer
    body = loan_body(f"{ARABIC_INDIC_NINE}", loan_account_number="LN-FORM2")
    refused = world.http.client.http.post("/api/loans/", headers=headers, body=urlencode(body).encode())
    assert refused.status_code == 400, refused.body
    assert refused.json_body == {"errors": {"customer": ["A valid integer is required."]}}


@pytest.mark.parametrize("day", [0, 1741478400, "1741478400", "2025-03-09T00:00", "2025-03-09T10:00:00Z"])
def test_a_day_is_yyyy_mm_dd_text_as_the_document_says(world, day):
    """`format: date`: pydantic alone reads 0 as 1970-01-01 and takes a midnight date-time (make fuzz found
    PUT /api/loans/{id}/ answering 200 for `"loan_date": 0`)."""
    customer, loan = world.customers["officer"].id, world.loans["officer"]
    cases = [("post", "/api/loans/", loan_body(customer, loan_date=day), "loan_date"),
             ("put", f"/api/loans/{loan.id}/", loan_body(customer, loan_date=day), "loan_date"),
             ("patch", f"/api/loans/{loan.id}/", {"loan_date": day}, "loan_date"),
             ("post", "/api/customers/", customer_body(date_of_birth=day), "date_of_birth"),
             ("post", "/api/interactions/field/create/", {"loan": loan.id, "disposition": "visited",
                                                          "next_call_date": day}, "next_call_date")]
    for method, path, body, field in cases:
        response = getattr(world.http, method)(path, body, world.as_("admin"))
        assert response.status_code == 400 and list(response.json_body["errors"]) == [field], (path, response.body)
