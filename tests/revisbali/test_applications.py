"""Applications: create (APP-<year>-<id>, draft), detail with the customer, scoping by the customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

BODY = {"applicationType": "visa", "visaType": "tourist", "duration": 30, "purpose": "Tourism and leisure travel"}


def test_create_and_detail_in_the_spec_shape(world):
    customer = world.customers["agent"]
    agent = world.client("agent")
    created = agent.post("/api/applications/", {**BODY, "customerId": customer.id}, expect=201).json_body
    assert created["applicationNumber"] == f"APP-{datetime.now(UTC).year}-{created['id']}"
    assert {k: created[k] for k in ("customerId", "applicationType", "visaType", "duration", "purpose", "status")} == {
        **BODY, "customerId": customer.id, "status": "draft"}
    detail = agent.get(f"/api/applications/{created['id']}/", expect=200).json_body
    assert detail["customer"] == {"id": customer.id, "firstName": "Client0", "lastName": "Agent",
                                  "email": "client0@example.com"}
    assert detail["documents"] == [] and detail["applicationNumber"] == created["applicationNumber"]
    embedded = agent.get(f"/api/customers/{customer.id}/", expect=200).json_body["applications"]
    assert embedded == [{"id": created["id"], "applicationNumber": created["applicationNumber"], "status": "draft",
                         "createdAt": created["createdAt"]}]
    assert world.client("staff").delete(f"/api/customers/{customer.id}/", expect=409).json_body["code"] == "conflict"


def test_another_agents_customer_and_application_are_hidden(world):
    theirs = world.customers["other_agent"].id
    body = world.client("agent").post("/api/applications/", {**BODY, "customerId": theirs}, expect=400).json_body
    assert "customerId" in body["errors"]
    made = world.client("other_agent").post("/api/applications/", {**BODY, "customerId": theirs}, expect=201)
    world.client("agent").get(f"/api/applications/{made.json_body['id']}/", expect=404)
    world.client("admin").get(f"/api/applications/{made.json_body['id']}/", expect=200)


@pytest.mark.parametrize(("change", "field"), [({"customerId": None}, "customerId"), ({"duration": 0}, "duration"),
                                               ({"applicationType": ""}, "applicationType"),
                                               ({"applicationType": "\u00a0 "}, "applicationType"),  # only spaces
                                               ({"duration": True}, "duration"), ({"duration": "30"}, "duration"),
                                               ({"customerId": 99999}, "customerId")])
def test_create_refuses_bad_input(world, change, field):
    body = {**BODY, "customerId": world.customers["agent"].id, **change}
    assert field in world.client("admin").post("/api/applications/", body, expect=400).json_body["errors"]
