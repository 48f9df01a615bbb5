"""Applications: the list (DRF pages, `status`, `customerId`, `ordering`, an agent's own), PUT and
PATCH (fields while open, status through the state machine), and the customer they follow."""

from __future__ import annotations

import pytest

BODY = {"applicationType": "visa", "visaType": "tourist", "duration": 30, "purpose": "Tourism"}


def _create(world, owner, **changes):
    body = {**BODY, "customerId": world.customers[owner].id, **changes}
    return world.client(owner).post("/api/applications/", body, expect=201).json_body


def _ids(page):
    return [item["id"] for item in page["results"]]


def test_the_list_is_a_page_object_newest_first_and_an_agent_sees_their_own(world):
    mine = [_create(world, "agent")["id"] for _ in range(3)]
    theirs = _create(world, "other_agent")["id"]
    page = world.client("agent").get("/api/applications/?pageSize=2", expect=200).json_body
    assert page["count"] == 3 and _ids(page) == mine[::-1][:2] and page["previous"] is None
    assert page["next"].startswith("http://") and "page=2" in page["next"]
    last = world.client("agent").get(page["next"].split("localhost", 1)[-1], expect=200).json_body
    assert _ids(last) == [mine[0]] and last["next"] is None
    everyone = world.client("staff").get("/api/applications/?ordering=createdAt", expect=200).json_body
    assert _ids(everyone) == [*mine, theirs]
    assert set(everyone["results"][0]) == {"id", "applicationNumber", "customerId", "applicationType", "visaType",
                                           "duration", "purpose", "status", "createdAt", "updatedAt"}


def test_filters_by_status_and_customer(world):
    first, second = _create(world, "agent")["id"], _create(world, "agent")["id"]
    _create(world, "other_agent")
    world.client("agent").patch(f"/api/applications/{second}/", {"status": "submitted"}, expect=200)
    agent = world.client("agent")
    assert _ids(agent.get("/api/applications/?status=submitted", expect=200).json_body) == [second]
    assert _ids(agent.get("/api/applications/?status=draft", expect=200).json_body) == [first]
    assert _ids(world.client("admin").get("/api/applications/?status=draft", expect=200).json_body) != [first]
    customer = world.customers["agent"].id
    both = agent.get(f"/api/applications/?customerId={customer}", expect=200).json_body
    assert both["count"] == 2 and _ids(both) == [second, first]
    one = agent.get(f"/api/applications/?customerId={customer}&status=draft", expect=200).json_body
    assert one["count"] == 1 and _ids(one) == [first]
    hidden = agent.get(f"/api/applications/?customerId={world.customers['other_agent'].id}", expect=200).json_body
    assert hidden == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("query", ["status=approvedx", "customerId=abc", "customerId=0", "ordering=status",
                                   "pageSize=101", "page=0", "customerId=%EF%BC%91"])
def test_the_list_refuses_bad_queries(world, query):
    body = world.client("agent").get(f"/api/applications/?{query}", expect=400).json_body
    assert body["code"] == "validation_error" and body["errors"]


def test_the_list_needs_a_token(http):
    assert http.get("/api/applications/", expect=401).json_body["code"] == "authentication_failed"


def test_patch_changes_the_fields_sent_and_put_replaces_them(world):
    made = _create(world, "agent")
    path = f"/api/applications/{made['id']}/"
    patched = world.client("agent").patch(path, {"purpose": "Business", "duration": 60}, expect=200).json_body
    assert (patched["purpose"], patched["duration"], patched["visaType"]) == ("Business", 60, "tourist")
    assert patched["updatedAt"] >= made["updatedAt"] and patched["applicationNumber"] == made["applicationNumber"]
    put = world.client("agent").put(path, {"applicationType": "permit", "customerId": 999}, expect=200).json_body
    assert (put["applicationType"], put["visaType"], put["duration"], put["purpose"]) == ("permit", None, None, None)
    assert put["customerId"] == made["customerId"]
    assert world.client("agent").get(path, expect=200).json_body["applicationType"] == "permit"


def test_status_moves_through_the_state_machine(world):
    made = _create(world, "agent")
    path = f"/api/applications/{made['id']}/"
    agent, staff = world.client("agent"), world.client("staff")
    assert agent.patch(path, {"status": "approved"}, expect=409).json_body["code"] == "conflict"
    assert agent.patch(path, {"status": "submitted"}, expect=200).json_body["status"] == "submitted"
    assert agent.patch(path, {"status": "processing"}, expect=403).json_body["code"] == "permission_denied"
    assert staff.patch(path, {"status": "processing"}, expect=200).json_body["status"] == "processing"
    assert staff.patch(path, {"status": "approved"}, expect=200).json_body["status"] == "approved"
    assert agent.patch(path, {"purpose": "Other"}, expect=409).json_body["code"] == "conflict"
    assert agent.patch(path, {"status": "cancelled"}, expect=409).json_body["code"] == "conflict"
    assert agent.patch(path, {"status": "approved"}, expect=200).json_body["status"] == "approved"  # no move
    assert world.client("agent").get(f"/api/customers/{made['customerId']}/", expect=200).json_body[
        "applications"][0]["status"] == "approved"


@pytest.mark.parametrize(("body", "field"), [({"status": "done"}, "status"), ({"duration": 0}, "duration"),
                                             ({"applicationType": ""}, "applicationType"),
                                             ({"applicationType": None}, "applicationType"),
                                             ({"purpose": "a\u0000b"}, "purpose")])
def test_patch_refuses_bad_input(world, body, field):
    made = _create(world, "agent")
    answer = world.client("agent").patch(f"/api/applications/{made['id']}/", body, expect=400).json_body
    assert answer["code"] == "validation_error" and field in answer["errors"]


def test_put_needs_the_application_type(world):
    made = _create(world, "agent")
    answer = world.client("agent").put(f"/api/applications/{made['id']}/", {"purpose": "x"}, expect=400).json_body
    assert "applicationType" in answer["errors"]


def test_another_agents_application_cannot_be_changed(world):
    theirs = _create(world, "other_agent")
    for method in ("patch", "put"):
        answer = getattr(world.client("agent"), method)(f"/api/applications/{theirs['id']}/",
                                                          {**BODY, "status": "cancelled"}, expect=404).json_body
        assert answer["code"] == "not_found"
    assert world.client("other_agent").get(f"/api/applications/{theirs['id']}/", expect=200).json_body[
        "status"] == "draft"


def test_applications_follow_their_customers_agent(world):
    made = _create(world, "agent")
    customer = made["customerId"]
    world.client("staff").patch(f"/api/customers/{customer}/", {"agentId": world.users["other_agent"].id},
                                expect=200)
    assert _ids(world.client("agent").get("/api/applications/", expect=200).json_body) == []
    theirs = world.client("other_agent").get("/api/applications/?status=draft", expect=200).json_body
    assert made["id"] in _ids(theirs)
    world.client("other_agent").patch(f"/api/applications/{made['id']}/", {"status": "submitted"}, expect=200)


def test_an_application_created_during_a_customers_delete_stops_the_delete(world, monkeypatch):
    """The has-applications check reads nothing, then an application is created before the delete
    commits: the creation bumped the customer's version, so the delete is refused."""
    from chalicelib.products.revisbali.services import customer_applications

    customer = world.client("staff").post("/api/customers/", {
        "firstName": "Race", "lastName": "Case", "email": "race@example.com", "customerType": "individual",
        "countryId": 360}, expect=201).json_body
    real = customer_applications.has_any

    def meanwhile(customer_id):
        found = real(customer_id)
        world.client("staff").post("/api/applications/", {**BODY, "customerId": customer_id}, expect=201)
        return found

    monkeypatch.setattr(customer_applications, "has_any", meanwhile)
    world.client("staff").delete(f"/api/customers/{customer['id']}/", expect=409)
    monkeypatch.setattr(customer_applications, "has_any", real)
    assert len(world.client("staff").get(f"/api/customers/{customer['id']}/", expect=200).json_body[
        "applications"]) == 1


def test_a_customers_records_follow_its_agent_in_its_own_transaction(world, monkeypatch):
    """An application moved between the read and the customer's write makes the whole change a 409:
    the customer keeps its agent and the application stays listed under it."""
    from chalicelib.products.revisbali.services import customer_records

    made = _create(world, "agent")
    real = customer_records.follow_steps

    def meanwhile(customer_id, agent_id):
        steps = real(customer_id, agent_id)
        world.client("agent").patch(f"/api/applications/{made['id']}/", {"status": "submitted"}, expect=200)
        return steps

    monkeypatch.setattr(customer_records, "follow_steps", meanwhile)
    other = world.users["other_agent"].id
    world.client("staff").patch(f"/api/customers/{made['customerId']}/", {"agentId": other}, expect=409)
    monkeypatch.setattr(customer_records, "follow_steps", real)
    assert world.client("agent").get(f"/api/customers/{made['customerId']}/", expect=200).json_body["agent"][
        "id"] == world.users["agent"].id
    assert _ids(world.client("agent").get("/api/applications/?status=submitted", expect=200).json_body) == [made["id"]]


def test_more_records_than_a_transaction_holds_follow_one_by_one(world, monkeypatch):
    from chalicelib.products.revisbali.services import customer_records

    monkeypatch.setattr(customer_records, "IN_TRANSACTION", 1)
    made = [_create(world, "agent")["id"] for _ in range(3)]
    other = world.users["other_agent"].id
    world.client("staff").patch(f"/api/customers/{world.customers['agent'].id}/", {"agentId": other}, expect=200)
    assert _ids(world.client("agent").get("/api/applications/", expect=200).json_body) == []
    assert set(made) <= set(_ids(world.client("other_agent").get("/api/applications/", expect=200).json_body))
