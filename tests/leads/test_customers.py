"""/customers/: lists scoped to the sales user, status and search filters, pages, the detail with its
history, and update-status (JSON or form, atomic with its history, never losing one under races)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest

from tests.leads.conftest import form


def ids(response) -> list[str]:
    return [row["id"] for row in response.json_body]


def test_managers_see_every_lead_newest_first_sales_users_their_own(world):
    leads = world.customers
    everyone = world.client("manager").get("/customers/", expect=200)
    assert ids(everyone) == [leads["manager"].id, leads["other_sales"].id, leads["sales"].id]
    assert ids(world.client("admin").get("/customers/", expect=200)) == ids(everyone)
    assert ids(world.client("sales").get("/customers/", expect=200)) == [leads["sales"].id]
    assert ids(world.client("other_sales").get("/customers/", expect=200)) == [leads["other_sales"].id]


def test_the_list_answers_the_spec_fields(world):
    lead, sales = world.customers["sales"], world.users["sales"]
    row = world.client("sales").get("/customers/", expect=200).json_body[0]
    assert {k: v for k, v in row.items() if k not in ("created_at", "updated_at")} == {
        "id": lead.id, "name": "Lead0 Sales", "phone_number": "+919876543210", "area": "North Delhi",
        "date": "2025-04-15", "status": "NEW", "status_display": "New",
        "assigned_to": {"id": sales.id, "username": "sales"}}


def test_pages_follow_the_link(world):
    manager = world.client("manager")
    first = manager.get("/customers/?page_size=2", expect=200)
    assert len(first.json_body) == 2
    cursor = first.headers["X-Next-Cursor"]
    rest = manager.get(f"/customers/?page_size=2&cursor={cursor}", expect=200)
    assert ids(first) + ids(rest) == ids(manager.get("/customers/", expect=200))
    manager.get(f"/customers/?page_size=2&status=NEW&cursor={cursor}", expect=400)  # bound to its filters
    manager.get("/customers/?cursor=tampered", expect=400)


def test_status_filter(world):
    leads = world.customers
    world.client("manager").post(f"/customers/{leads['sales'].id}/update-status/", {"status": "INTERESTED"},
                                 expect=200)
    assert ids(world.client("manager").get("/customers/?status=INTERESTED", expect=200)) == [leads["sales"].id]
    assert ids(world.client("sales").get("/customers/?status=INTERESTED", expect=200)) == [leads["sales"].id]
    assert world.client("other_sales").get("/customers/?status=INTERESTED", expect=200).json_body == []
    assert len(world.client("manager").get("/customers/?status=NEW", expect=200).json_body) == 2
    assert world.client("manager").get("/customers/?status=interested", expect=400).json_body["errors"] == {
        "status": ["Input should be 'NEW', 'VALID', 'INVALID', 'INTERESTED', 'NOT_INTERESTED', "
                   "'FOLLOW_UP' or 'CONVERTED'"]}


@pytest.mark.parametrize(("query", "owner"), [("lead1", "other_sales"), ("mumbai", "other_sales"),
                                              ("south mum", "other_sales"), ("9876543211", "other_sales"),
                                              ("919876543212", "manager"), ("pune", "manager"), ("DELHI", "sales")])
def test_search_by_name_area_or_phone(world, query, owner):
    assert ids(world.client("manager").get(f"/customers/?search={query}", expect=200)) == [world.customers[owner].id]


def test_search_keeps_to_the_sales_users_leads_and_the_status(world):
    assert world.client("sales").get("/customers/?search=mumbai", expect=200).json_body == []
    assert world.client("manager").get("/customers/?search=mumbai&status=VALID", expect=200).json_body == []
    assert len(world.client("manager").get("/customers/?search=lead", expect=200).json_body) == 3
    body = world.client("manager").get("/customers/?search=ab", expect=400).json_body
    assert list(body["errors"]) == ["search"]
    world.client("manager").get("/customers/?search=%00abc", expect=400)


def test_detail_with_assignee_and_full_history(world):
    lead = world.customers["sales"]
    sales = world.client("sales")
    assert sales.get(f"/customers/{lead.id}/", expect=200).json_body["status_history"] == []
    sales.post(f"/customers/{lead.id}/update-status/", {"status": "VALID"}, expect=200)
    sales.post(f"/customers/{lead.id}/update-status/", {"status": "INTERESTED",
                                                         "notes": "Customer showed interest in BCA program"},
               expect=200)
    detail = world.client("manager").get(f"/customers/{lead.id.upper()}/", expect=200).json_body
    assert detail["id"] == lead.id and detail["status"] == "INTERESTED"
    assert detail["assigned_to"] == {"id": world.users["sales"].id, "username": "sales"}
    history = [{k: v for k, v in entry.items() if k != "changed_at"} for entry in detail["status_history"]]
    assert history == [
        {"previous_status": "NEW", "new_status": "VALID", "changed_by": "sales", "notes": ""},
        {"previous_status": "VALID", "new_status": "INTERESTED", "changed_by": "sales",
         "notes": "Customer showed interest in BCA program"}]
    assert detail["status_history"][0]["changed_at"] <= detail["status_history"][1]["changed_at"]


def test_another_sales_users_lead_is_404(world):
    theirs = world.customers["other_sales"].id
    assert world.client("sales").get(f"/customers/{theirs}/", expect=404).json_body == {"error": "Customer not found."}
    world.client("sales").post(f"/customers/{theirs}/update-status/", {"status": "VALID"}, expect=404)
    world.client("sales").get(f"/customers/{world.customers['manager'].id}/", expect=404)  # nobody's
    world.client("manager").get(f"/customers/{uuid.uuid4()}/", expect=404)
    world.client("manager").get("/customers/12/", expect=404)


def test_update_status_answers_the_spec_shape_from_json_or_form(world):
    lead = world.customers["sales"].id
    assert world.client("sales").post(f"/customers/{lead}/update-status/", {"status": "NOT_INTERESTED"},
                                      expect=200).json_body == {
        "success": True, "status": "NOT_INTERESTED", "status_display": "Not Interested"}
    answer = form(world.client("sales"), "POST", f"/customers/{lead}/update-status/",
                  {"status": "FOLLOW_UP", "notes": "Call back on Monday"}, expect=200).json_body
    assert answer == {"success": True, "status": "FOLLOW_UP", "status_display": "Follow Up"}
    detail = world.client("sales").get(f"/customers/{lead}/", expect=200).json_body
    assert detail["status_history"][-1]["notes"] == "Call back on Monday"


@pytest.mark.parametrize("body", [{"status": "WON"}, {"status": ""}, {}, {"status": "new"},
                                  {"status": "VALID", "notes": "x" * 2001},
                                  {"status": "VALID", "notes": "bidi \u202e trick"}])
def test_update_status_refuses_bad_input(world, body):
    lead = world.customers["sales"].id
    answer = world.client("sales").post(f"/customers/{lead}/update-status/", body, expect=400).json_body
    assert list(answer) == ["error", "errors"]
    assert world.client("sales").get(f"/customers/{lead}/", expect=200).json_body["status_history"] == []


def test_parallel_status_changes_keep_every_history_entry(world):
    """Eight changes of one lead at once (through the service, as eight Lambdas would run them): each
    commits, in some order, and the history holds exactly one entry for each, chained in order."""
    from chalicelib.core.config import using_settings
    from chalicelib.products.leads.services import statuses, users

    lead, sales = world.customers["sales"], world.users["sales"]
    principal = users.principal_of(sales)
    targets = ["VALID", "INTERESTED", "FOLLOW_UP", "NOT_INTERESTED", "INVALID", "CONVERTED", "VALID", "FOLLOW_UP"]
    start = threading.Barrier(len(targets))

    def change(index: int) -> str:
        with using_settings(world.app.crm_product.settings):
            start.wait()
            return statuses.change_status(principal, lead.id, targets[index], f"change {index}").status

    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        assert sorted(pool.map(change, range(len(targets)))) == sorted(targets)
    history = world.client("manager").get(f"/customers/{lead.id}/", expect=200).json_body["status_history"]
    assert sorted(entry["notes"] for entry in history) == sorted(f"change {i}" for i in range(len(targets)))
    assert history[0]["previous_status"] == "NEW"
    for before, after in pairwise(history):
        assert after["previous_status"] == before["new_status"]
