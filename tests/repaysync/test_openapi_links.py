"""The links of the served OpenAPI document lead from a created record to its routes, with its real id."""

from __future__ import annotations

import json

import pytest

from tests.repaysync.conftest import customer_body, loan_body


def _operations(document: dict) -> dict[str, tuple[str, str]]:
    return {op["operationId"]: (method.upper(), path) for path, item in document["paths"].items()
            for method, op in item.items()}


def _value(expression: str, record: dict) -> object:
    return record[expression.removeprefix("$response.body#/")]


@pytest.mark.parametrize("create", ["/api/customers/", "/api/customers/create/"])
def test_following_a_creates_links_reaches_the_new_customer(world, create):
    document = json.loads(world.http.get("/openapi.json", expect=200).body)
    operations = _operations(document)
    created = world.http.post(create, customer_body(), world.as_("manager"), expect=201).json_body
    links = document["paths"][create]["post"]["responses"]["201"]["links"]
    reads = {link["operationId"]: link for link in links.values() if operations[link["operationId"]][0] == "GET"}
    assert set(reads) == {"get_customer", "customer_loans"}
    for name, link in reads.items():
        path = operations[name][1]
        for param, expression in link["parameters"].items():
            path = path.replace(f"{{{param}}}", str(_value(expression, created)))
        assert world.http.get(path, world.as_("manager")).status_code == 200, path
    # a loan made through the body link names the customer just created
    body_link = links["create_loan.customer"]
    method, path = operations[body_link["operationId"]]
    fields = {field: _value(expression, created) for field, expression in body_link["requestBody"].items()}
    assert (method, path, fields) == ("POST", "/api/loans/", {"customer": created["id"]})
    loan = world.http.post(path, loan_body(**fields), world.as_("manager"), expect=201).json_body
    assert loan["customer"] == created["id"]
