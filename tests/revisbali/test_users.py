"""/api/users/: an admin creates and manages staff and agents (camelCase, page objects)."""

from __future__ import annotations

import pytest

from tests.revisbali.conftest import PASSWORD

NEW = {"email": "new.agent@revisbali.test", "firstName": "New", "lastName": "Agent", "role": "agent",
       "password": "An0ther-Pass!"}


def test_an_admin_creates_an_agent_who_logs_in(world, http):
    created = world.client("admin").post("/api/users/", NEW, expect=201).json_body
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt")} == {
        "email": "new.agent@revisbali.test", "firstName": "New", "lastName": "Agent", "role": "agent",
        "isActive": True}
    login = http.post("/api/token/", {"username": NEW["email"], "password": NEW["password"]}, expect=200).json_body
    assert login["user"]["role"] == "agent"
    assert world.client("admin").get(f"/api/users/{created['id']}/", expect=200).json_body == created


@pytest.mark.parametrize(("change", "field"), [({"role": "admin"}, "role"), ({"password": "short"}, "password"),
                                               ({"email": "nope"}, "email"), ({"firstName": ""}, "firstName"),
                                               ({"email": "AGENT@revisbali.test"}, "email")])
def test_create_refuses_bad_input(world, change, field):
    body = world.client("admin").post("/api/users/", {**NEW, **change}, expect=400).json_body
    assert body["code"] == "validation_error" and field in body["errors"]


def test_list_is_a_page_object_filtered_by_role(world):
    admin = world.client("admin")
    everyone = admin.get("/api/users/?pageSize=2", expect=200).json_body
    assert everyone["count"] == 4 and len(everyone["results"]) == 2 and everyone["next"]
    agents = admin.get("/api/users/?role=agent", expect=200).json_body
    assert agents["count"] == 2 and {row["role"] for row in agents["results"]} == {"agent"}
    admin.get("/api/users/?role=boss", expect=400)


def test_deactivation_ends_the_login_and_keeps_the_record(world, http):
    agent = world.users["agent"]
    admin = world.client("admin")
    admin.patch(f"/api/users/{agent.id}/", {"isActive": False}, expect=200)
    assert admin.get(f"/api/users/{agent.id}/", expect=200).json_body["isActive"] is False
    http.post("/api/token/", {"username": "agent@revisbali.test", "password": PASSWORD}, expect=400)
    admin.patch(f"/api/users/{agent.id}/", {"isActive": True, "role": "staff"}, expect=200)
    login = http.post("/api/token/", {"username": "agent@revisbali.test", "password": PASSWORD}, expect=200)
    assert login.json_body["user"]["role"] == "staff"


def test_delete_removes_a_user_nothing_names(world, http):
    staff = world.users["staff"]
    admin = world.client("admin")
    admin.delete(f"/api/users/{staff.id}/", expect=204)
    assert admin.get(f"/api/users/{staff.id}/", expect=404).json_body == {
        "code": "not_found", "errors": {"detail": f"User with id {staff.id} not found."}}
    admin.patch(f"/api/users/{staff.id}/", {"isActive": True}, expect=404)
    admin.delete(f"/api/users/{staff.id}/", expect=404)
    http.post("/api/token/", {"username": "staff@revisbali.test", "password": PASSWORD}, expect=400)
    again = admin.post("/api/users/", {**NEW, "email": "staff@revisbali.test"}, expect=201).json_body
    assert again["id"] != staff.id


def test_delete_keeps_an_agent_customers_name_hidden_from_the_api(world, http):
    agent, customer = world.users["agent"], world.customers["agent"]
    admin = world.client("admin")
    admin.delete(f"/api/users/{agent.id}/", expect=204)
    admin.get(f"/api/users/{agent.id}/", expect=404)
    admin.delete(f"/api/users/{agent.id}/", expect=404)
    listed = admin.get("/api/users/?pageSize=100", expect=200).json_body
    assert agent.id not in [row["id"] for row in listed["results"]] and listed["count"] == 3
    agents = admin.get("/api/users/?role=agent", expect=200).json_body
    assert [row["id"] for row in agents["results"]] == [world.users["other_agent"].id] and agents["count"] == 1
    http.post("/api/token/", {"username": "agent@revisbali.test", "password": PASSWORD}, expect=400)
    shown = admin.get(f"/api/customers/{customer.id}/", expect=200).json_body["agent"]
    assert shown == {"id": agent.id, "name": "Agent Tester"}
    body = admin.post("/api/customers/", {"firstName": "A", "lastName": "B", "email": "ab@example.com",
                                          "customerType": "individual", "countryId": 360, "agentId": agent.id},
                      expect=400).json_body
    assert body["errors"] == {"agentId": [f"Agent with id {agent.id} does not exist."]}
    admin.post("/api/users/", {**NEW, "email": "agent@revisbali.test"}, expect=400)  # still named: still taken


def test_a_customer_given_to_an_agent_being_removed_is_refused(world, monkeypatch):
    """The agent is read as active, then removed before the customer's transaction: it is refused,
    so the removal that found no customers never leaves one naming a deleted user."""
    from chalicelib.products.revisbali.services import customers

    other = world.users["other_agent"]
    real = customers._check_country

    def meanwhile(country_id):
        real(country_id)
        monkeypatch.setattr(customers, "_check_country", real)
        world.client("admin").patch(f"/api/users/{other.id}/", {"isActive": False}, expect=200)

    monkeypatch.setattr(customers, "_check_country", meanwhile)
    body = world.client("staff").post("/api/customers/", {
        "firstName": "A", "lastName": "B", "email": "ab@example.com", "customerType": "individual",
        "countryId": 360, "agentId": other.id}, expect=400).json_body
    assert body["errors"] == {"agentId": [f"Agent with id {other.id} does not exist."]}


def test_admins_are_not_managed_here(world):
    admin_id = world.users["admin"].id
    assert world.client("admin").delete(f"/api/users/{admin_id}/", expect=409).json_body["code"] == "conflict"
    world.client("admin").patch(f"/api/users/{admin_id}/", {"role": "staff"}, expect=409)
    world.client("admin").get("/api/users/99999/", expect=404)


def test_only_admins_manage_users(world):
    for name in ("staff", "agent"):
        assert world.client(name).get("/api/users/", expect=403).json_body == {
            "code": "permission_denied", "errors": {"detail": "You do not have permission to perform this action."}}
        world.client(name).post("/api/users/", NEW, expect=403)


def test_deactivation_with_a_new_password_at_once(world, http):
    """Both end the user's sessions: one change, not a 500 (make fuzz found it)."""
    staff = world.users["staff"]
    world.client("admin").patch(f"/api/users/{staff.id}/", {"isActive": False, "password": "Br4nd-New-Pass!"},
                                expect=200)
    world.client("admin").patch(f"/api/users/{staff.id}/", {"isActive": True}, expect=200)
    http.post("/api/token/", {"username": "staff@revisbali.test", "password": "Br4nd-New-Pass!"}, expect=200)


@pytest.mark.parametrize("value", [0, "false", "yes"])
def test_is_active_is_a_json_boolean(world, value):
    staff = world.users["staff"]
    body = world.client("admin").patch(f"/api/users/{staff.id}/", {"isActive": value}, expect=400).json_body
    assert "isActive" in body["errors"]
