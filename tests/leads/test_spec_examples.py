"""Leads answers in the shapes of the spec's examples (specs/leads.md): the same field names and
nesting, the same JSON kinds.

Each example is read from the spec's own text (tests/contract/specs.py), so the test holds the contract
as written; values are not compared (tests/contract/shapes.py).
"""

from __future__ import annotations

from tests.contract.shapes import assert_shaped_like
from tests.contract.specs import examples
from tests.leads.conftest import form

SPEC = "leads"


def test_a_status_change_and_the_lead_with_its_history(world):
    lead = world.customers["sales"].id
    sales = world.client("sales")
    _, success, error = (example.body for example in examples(SPEC, "Customer Management", "Update Customer Status"))
    changed = form(sales, "POST", f"/customers/{lead}/update-status/",
                   {"status": "INTERESTED", "notes": "Customer showed interest in BCA program"}, expect=200).json_body
    assert_shaped_like(success, changed, "POST /customers/<uuid>/update-status/")
    (shown,) = (example.body for example in examples(SPEC, "Response Examples", "Status Update Response"))
    assert_shaped_like(shown, changed, "POST /customers/<uuid>/update-status/")
    refused = form(sales, "POST", f"/customers/{lead}/update-status/", {"status": "NOPE"}, expect=400).json_body
    assert_shaped_like(error, refused, "a refused status")
    (detail,) = (example.body for example in examples(SPEC, "Response Examples", "Customer Detail"))
    assert_shaped_like(detail, sales.get(f"/customers/{lead}/", expect=200).json_body, "GET /customers/<uuid>/")


def test_an_assignment(world):
    lead = world.customers["manager"].id  # nobody's
    _, success, error = (example.body for example in examples(SPEC, "Customer Management", "Assign Customer"))
    manager = world.client("manager")
    answer = form(manager, "POST", f"/customers/{lead}/assign/", {"sales_user": world.users["sales"].id},
                  expect=200).json_body
    assert_shaped_like(success, answer, "POST /customers/<uuid>/assign/")
    refused = form(manager, "POST", f"/customers/{lead}/assign/", {"sales_user": "nobody"}, expect=400).json_body
    assert_shaped_like(error, refused, "a refused assignment")
