"""camelCase on the wire (core.wire) through HTTP on a small camelCase product with coded errors."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import Field

from chalicelib.core.errors import ValidationFailed, render_coded
from chalicelib.core.wire import WireModel, wire_field_errors

JSON = {"Content-Type": "application/json"}


class AddressIn(WireModel):
    postal_code: str = Field(pattern=r"^[0-9]{5}$")
    street_line: str = Field(min_length=1)


class CustomerIn(WireModel):
    first_name: str = Field(min_length=1, max_length=50)
    last_name: str = Field(min_length=1, max_length=50)
    phone_number: str | None = Field(default=None, pattern=r"^\+[0-9]{8,15}$")
    customer_type: Literal["individual", "company"]
    country: int = Field(alias="countryId", ge=1)  # an explicit alias wins over the generated one
    address: AddressIn | None = None


class CustomerOut(WireModel):
    id: int
    first_name: str
    last_name: str
    customer_type: str
    country: int = Field(alias="countryId")


class CustomerQuery(WireModel):
    customer_type: Literal["individual", "company"] | None = None
    created_after: int | None = Field(default=None, ge=0)


TAKEN_PHONE = "+6281234567"


def wire_api() -> Any:
    from chalicelib.core.api import Api, Call

    api = Api("wiretest", render_coded)

    @api.route("/api/customers/", ["POST"], public=True, request=CustomerIn, response=CustomerOut, status=201)
    def create(call: Call) -> CustomerOut:
        body: CustomerIn = call.body
        if body.phone_number == TAKEN_PHONE:  # product code speaks Python names
            raise ValidationFailed({"phone_number": ["This field must be unique."]})
        return CustomerOut(id=1, first_name=body.first_name, last_name=body.last_name,
                           customer_type=body.customer_type, country=body.country)

    @api.route("/api/customers/", ["GET"], public=True, query=CustomerQuery, response=list[CustomerOut])
    def listing(call: Call) -> list[CustomerOut]:
        query: CustomerQuery = call.query_model
        return [CustomerOut(id=1, first_name="Ann", last_name="Lee", customer_type=query.customer_type or "company",
                            country=62)]

    return api


@pytest.fixture()
def client():
    from chalice import Chalice
    from chalice.test import Client

    app = Chalice(app_name="crm-wiretest")
    wire_api().attach(app, None)
    with Client(app) as test_client:
        yield test_client


def post(client, body: dict[str, Any]):
    return client.http.post("/api/customers/", headers=JSON, body=json.dumps(body).encode())


GOOD = {"firstName": "Ann", "lastName": "Lee", "customerType": "company", "countryId": 62,
        "address": {"postalCode": "80361", "streetLine": "Jl. Raya 1"}}


def test_camel_case_bodies_in_and_out(client):
    response = post(client, GOOD)
    assert response.status_code == 201
    assert response.json_body == {"id": 1, "firstName": "Ann", "lastName": "Lee", "customerType": "company",
                                  "countryId": 62}


def test_python_names_are_accepted_too(client):
    response = post(client, {"first_name": "Ann", "last_name": "Lee", "customer_type": "individual", "country": 62})
    assert response.status_code == 201 and response.json_body["customerType"] == "individual"


def test_field_errors_name_the_wire_fields_nested_ones_too(client):
    response = post(client, {"firstName": "", "customerType": "shop", "countryId": 0,
                             "address": {"postalCode": "x", "streetLine": "ok"}})
    assert response.status_code == 400
    assert response.json_body["code"] == "validation_error"
    assert set(response.json_body["errors"]) == {"firstName", "lastName", "customerType", "countryId",
                                                 "address.postalCode"}
    assert response.json_body["errors"]["lastName"] == ["This field is required."]


def test_a_value_sent_under_its_python_name_is_reported_under_the_wire_name(client):
    response = post(client, {**GOOD, "phone_number": "12"})
    assert response.status_code == 400 and set(response.json_body["errors"]) == {"phoneNumber"}


def test_errors_raised_by_product_code_are_renamed_too(client):
    response = post(client, {**GOOD, "phoneNumber": TAKEN_PHONE})
    assert response.status_code == 400
    assert response.json_body == {"code": "validation_error", "errors": {"phoneNumber": ["This field must be unique."]}}


def test_query_strings_use_and_report_wire_names(client):
    ok = client.http.get("/api/customers/?customerType=individual")
    assert ok.status_code == 200 and ok.json_body[0]["customerType"] == "individual"
    bad = client.http.get("/api/customers/?customerType=shop&createdAfter=-1")
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"customerType", "createdAfter"}


def test_openapi_shows_the_wire_names():
    from chalicelib.core.openapi import build_document

    document = build_document(wire_api())
    schemas = document["components"]["schemas"]
    assert set(schemas["CustomerIn"]["properties"]) == {"firstName", "lastName", "phoneNumber", "customerType",
                                                        "countryId", "address"}
    assert set(schemas["AddressIn"]["properties"]) == {"postalCode", "streetLine"}
    assert set(schemas["CustomerIn"]["required"]) == {"firstName", "lastName", "customerType", "countryId"}
    parameters = {p["name"] for p in document["paths"]["/api/customers/"]["get"]["parameters"]}
    assert {"customerType", "createdAfter"} <= parameters
    assert "customer_type" not in json.dumps(document)


def test_non_field_keys_are_camel_cased():
    assert wire_field_errors({"non_field_errors": ["x"], "address.street_line": ["y"], "items.0.unit_price": ["z"]},
                             CustomerIn) == {"nonFieldErrors": ["x"], "address.streetLine": ["y"],
                                             "items.0.unitPrice": ["z"]}
