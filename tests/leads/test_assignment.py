"""Assignment by managers: one lead, a list to one sales user (bulk), or spread over the team (random);
more than 100 leads through the `assignment` queue as a job whose progress can be read."""

from __future__ import annotations

import uuid

import pytest

from tests.leads.conftest import deliver, form, new_leads


def assigned_to(world, lead_id: str) -> str | None:
    owner = world.client("admin").get(f"/customers/{lead_id}/", expect=200).json_body["assigned_to"]
    return owner and owner["username"]


def loads() -> dict[int, int]:
    from chalicelib.products.leads.services import assignment

    return assignment.loads()


def test_a_manager_assigns_one_lead(world):
    lead, sales = world.customers["manager"], world.users["sales"]
    assert world.client("manager").post(f"/customers/{lead.id}/assign/", {"sales_user": sales.id},
                                        expect=200).json_body == {"success": True, "assigned_to": "sales"}
    assert lead.id in [row["id"] for row in world.client("sales").get("/customers/", expect=200).json_body]
    assert loads()[sales.id] == 2


def test_assign_takes_the_spec_form_and_moves_the_load(world):
    lead, sales, other = world.customers["sales"], world.users["sales"], world.users["other_sales"]
    form(world.client("admin"), "POST", f"/customers/{lead.id}/assign/", {"sales_user": str(other.id)}, expect=200)
    assert assigned_to(world, lead.id) == "other_sales"
    assert loads() == {sales.id: 0, other.id: 2}
    world.client("sales").get(f"/customers/{lead.id}/", expect=404)  # no longer theirs


@pytest.mark.parametrize("target", ["manager", "admin", "inactive", 99999, "abc", True, None])
def test_only_an_active_sales_user_can_be_assigned(world, target):
    lead = world.customers["manager"]
    if target == "inactive":
        world.client("manager").delete(f"/users/{world.users['other_sales'].id}/", expect=204)
        target = "other_sales"
    value = world.users[target].id if target in world.users else target
    body = world.client("manager").post(f"/customers/{lead.id}/assign/", {"sales_user": value}, expect=400).json_body
    assert list(body["errors"]) == ["sales_user"]
    assert assigned_to(world, lead.id) is None


def test_assigning_a_missing_lead_is_404_and_sales_users_cannot_assign(world):
    world.client("manager").post(f"/customers/{uuid.uuid4()}/assign/", {"sales_user": world.users["sales"].id},
                                 expect=404)
    lead = world.customers["sales"]
    assert world.client("sales").post(f"/customers/{lead.id}/assign/", {"sales_user": world.users["sales"].id},
                                      expect=403).json_body == {
        "error": "You do not have permission to perform this action."}


def test_bulk_assign_answers_counts_at_once(world):
    leads, sales = world.customers, world.users["sales"]
    missing = str(uuid.uuid4())
    body = {"customer_ids": [leads["manager"].id, leads["other_sales"].id, leads["sales"].id, missing,
                             leads["manager"].id], "sales_user": sales.id}
    assert world.client("manager").post("/customers/bulk-assign/", body, expect=200).json_body == {
        "success": True, "assigned": 2, "unchanged": 1, "skipped": 0, "not_found": [missing],
        "assignments": [{"sales_user": {"id": sales.id, "username": "sales"}, "count": 2}]}
    assert loads() == {sales.id: 3, world.users["other_sales"].id: 0}


def test_bulk_assign_by_form_repeats_the_field(world):
    leads, other = world.customers, world.users["other_sales"]
    fields = [("customer_ids", leads["manager"].id), ("customer_ids", leads["sales"].id), ("sales_user", other.id)]
    assert form(world.client("manager"), "POST", "/customers/bulk-assign/", fields, expect=200).json_body[
        "assigned"] == 2
    one = form(world.client("manager"), "POST", "/customers/bulk-assign/",
               {"customer_ids": leads["sales"].id, "sales_user": other.id}, expect=200).json_body
    assert one["unchanged"] == 1


@pytest.mark.parametrize("body", [{"customer_ids": []}, {"customer_ids": ["not-a-uuid"]}, {"customer_ids": "x"},
                                  {"customer_ids": [str(uuid.uuid4())] * 1001}, {}])
def test_bulk_and_random_refuse_bad_input(world, body):
    manager = world.client("manager")
    assert list(manager.post("/customers/random-assign/", body, expect=400).json_body) == ["error", "errors"]
    manager.post("/customers/bulk-assign/", {**body, "sales_user": world.users["sales"].id}, expect=400)
    manager.post("/customers/bulk-assign/", {"customer_ids": [world.customers["manager"].id],
                                             "sales_user": world.users["manager"].id}, expect=400)


def test_random_assign_spreads_least_loaded_first_and_deterministically(world):
    """Loads 1 (sales), 1 (other_sales), 0 (third): third gets the first lead, then ties go to the lower id."""
    from chalicelib.products.leads.services import users

    third = users.create_user("third", "sales", "An0ther-Pass!")
    fresh = new_leads(world, 6)
    order = [fresh[0], world.customers["sales"].id, *fresh[1:]]  # a held lead is skipped
    answer = world.client("manager").post("/customers/random-assign/", {"customer_ids": order}, expect=200).json_body
    sales, other = world.users["sales"], world.users["other_sales"]
    assert answer == {"success": True, "assigned": 6, "unchanged": 0, "skipped": 1, "not_found": [],
                      "assignments": [{"sales_user": {"id": sales.id, "username": "sales"}, "count": 2},
                                      {"sales_user": {"id": other.id, "username": "other_sales"}, "count": 2},
                                      {"sales_user": {"id": third.id, "username": "third"}, "count": 2}]}
    assert [assigned_to(world, lead) for lead in fresh] == ["third", "sales", "other_sales", "third", "sales",
                                                            "other_sales"]
    assert loads() == {sales.id: 3, other.id: 3, third.id: 2}


def test_random_assign_leaves_out_inactive_users_and_needs_someone(world):
    world.client("manager").delete(f"/users/{world.users['other_sales'].id}/", expect=204)
    fresh = new_leads(world, 2)
    answer = world.client("manager").post("/customers/random-assign/", {"customer_ids": fresh}, expect=200).json_body
    assert [row["sales_user"]["username"] for row in answer["assignments"]] == ["sales"]
    world.client("manager").delete(f"/users/{world.users['sales'].id}/", expect=204)
    assert world.client("manager").post("/customers/random-assign/", {"customer_ids": new_leads(world, 1)},
                                        expect=400).json_body == {
        "error": "There is no active sales user to assign leads to."}


def test_more_than_100_leads_go_through_the_queue_as_a_job(world):
    fresh = new_leads(world, 130)
    manager = world.client("manager")
    started = manager.post("/customers/random-assign/", {"customer_ids": fresh}, expect=202).json_body
    assert started["success"] is True and started["total"] == 130 and started["status"] == "processing"
    job = manager.get(f"/jobs/{started['job_id']}/", expect=200).json_body
    assert job["kind"] == "assignment" and job["progress"] == 0
    assert len(deliver(world, "assignment_worker")) == 1
    job = manager.get(f"/jobs/{started['job_id']}/", expect=200).json_body
    assert (job["status"], job["progress"], job["processed"]) == ("complete", 100, 130)
    assert job["result"]["assigned"] == 130
    assert sorted(loads().values()) == [66, 66]  # 1 + 65 each
    world.client("other_sales").get(f"/jobs/{started['job_id']}/", expect=403)
    world.client("admin").get(f"/jobs/{started['job_id']}/", expect=200)
    deliver(world, "assignment_worker")  # nothing left: the message was done


def test_a_queued_bulk_assignment_resumes_from_its_checkpoint(world):
    """A redelivery after a crash part-way: the job's checkpoint says where to go on; nothing twice."""
    from chalicelib.core.config import using_settings
    from chalicelib.products.leads.services import assignment

    fresh = new_leads(world, 120)
    sales = world.users["sales"]
    started = world.client("manager").post("/customers/bulk-assign/", {"customer_ids": fresh, "sales_user": sales.id},
                                           expect=202).json_body
    with using_settings(world.app.crm_product.settings):
        job = assignment.JOBS.model.get(started["job_id"])
        outcome = assignment.Outcome()
        assignment._bulk(fresh[:50], sales.id, outcome)  # what a first delivery did before it died
        assignment.JOBS.advance(job, 50, result=outcome.as_dict())
    deliver(world, "assignment_worker")
    job = world.client("manager").get(f"/jobs/{started['job_id']}/", expect=200).json_body
    assert job["status"] == "complete" and job["result"]["assigned"] == 120
    assert loads()[sales.id] == 121


def test_another_managers_assignment_job_is_404(world):
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.core.config import using_settings
    from chalicelib.products.leads.services import users

    started = world.client("manager").post("/customers/random-assign/", {"customer_ids": new_leads(world, 101)},
                                           expect=202).json_body
    other = users.create_user("manager2", "manager", "An0ther-Pass!")
    with using_settings(world.app.crm_product.settings):
        access = product_tokens(world.app.crm_product).issue(users.principal_of(other)).access
    assert world.http.as_(access).get(f"/jobs/{started['job_id']}/", expect=404).json_body == {
        "error": "Job not found."}
    assert world.http.as_(access).get("/jobs/", expect=200).json_body == []
    world.client("manager").get("/jobs/nope/", expect=404)
