"""The links of the served OpenAPI document lead from a created record to its routes, with its real id."""

from __future__ import annotations

import json

import pytest

from tests.repaysync.conftest import customer_body


def _operations(document: dict) -> dict[str, tuple[str, str]]:
    return {op["operationId"]: (method.upper(), path) for path, item in document["paths"].items()
            for method, op in item.items()}


@pytest.mark.parametrize("create", ["/api/customers/", "/api/customers/create/"])
def test_following_a_creates_links_reaches_the_new_customer(world, create):
    document = json.loads(world.http.get("/openapi.json", expect=200).body)
    created = world.http.post(create, customer_body(), world.as_("manager"), expect=201).json_body
    links = document["paths"][create]["post"]["responses"]["201"]["links"]
    reads = {name: link for name, link in links.items() if _operations(document)[name][0] == "GET"}
    assert set(reads) == {"get_customer", "customer_loans"}
    for name, link in reads.items():
        values = {param: created[expression.removeprefix("$response.body#/")]
                  for param, expression in link["parameters"].items()}
        path = _operations(document)[name][1]
        for param, value in values.items():
            path = path.replace(f"{{{param}}}", str(value))
        assert world.http.get(path, world.as_("manager")).status_code == 200, path
