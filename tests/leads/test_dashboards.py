"""The manager's and the sales user's dashboards: their figures stay right through imports, status
changes and reassignments, parallel ones included, and they never read the leads to count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.leads.test_imports import HEADER, imported

STATUSES = ("NEW", "VALID", "INVALID", "INTERESTED", "NOT_INTERESTED", "FOLLOW_UP", "CONVERTED")


def distribution(items: list[dict[str, Any]]) -> dict[str, int]:
    return {item["status"]: item["count"] for item in items if item["count"]}


def performance(body: dict[str, Any], username: str) -> dict[str, Any]:
    return next(item for item in body["sales_performance"] if item["sales_user"]["username"] == username)


def manager_view(world: Any) -> dict[str, Any]:
    return world.client("manager").get("/dashboard/manager/", expect=200).json_body


def recount(world: Any) -> dict[str, Any]:
    """What the dashboard should say, counted the slow way: every lead read through the list."""
    leads = world.client("admin").get("/customers/?page_size=500", expect=200).json_body
    by_status: dict[str, int] = {}
    held: dict[str, dict[str, int]] = {}
    for lead in leads:
        by_status[lead["status"]] = by_status.get(lead["status"], 0) + 1
        holder = lead["assigned_to"]["username"] if lead["assigned_to"] else None
        if holder:
            held.setdefault(holder, {})
            held[holder][lead["status"]] = held[holder].get(lead["status"], 0) + 1
    unassigned = sum(1 for lead in leads if lead["assigned_to"] is None)
    return {"total": len(leads), "unassigned": unassigned, "by_status": by_status, "held": held}


def assert_counts_match(world: Any) -> dict[str, Any]:
    body = manager_view(world)
    truth = recount(world)
    assert body["total_customers"] == truth["total"]
    assert body["unassigned_customers"] == truth["unassigned"]
    assert body["assigned_customers"] == truth["total"] - truth["unassigned"]
    assert distribution(body["status_distribution"]) == truth["by_status"]
    for item in body["sales_performance"]:
        held = truth["held"].get(item["sales_user"]["username"], {})
        assert distribution(item["status_distribution"]) == held, item["sales_user"]
        assert item["assigned"] == sum(held.values())
    return body


def post_status(world: Any, who: str, lead_id: str, status: str, notes: str = "") -> Any:
    return world.client(who).post(f"/customers/{lead_id}/update-status/", {"status": status, "notes": notes})


def test_the_manager_dashboard_counts_the_world(world):
    body = assert_counts_match(world)
    assert body["total_customers"] == 3 and body["unassigned_customers"] == 1
    assert [item["status"] for item in body["status_distribution"]] == list(STATUSES)
    sales = performance(body, "sales")
    assert (sales["assigned"], sales["converted"], sales["conversion_rate"]) == (1, 0, 0.0)
    assert [item["sales_user"]["username"] for item in body["sales_performance"]] == ["sales", "other_sales"]


def test_counts_follow_imports_status_changes_and_reassignments(world):
    imported(world, "five.csv", "\n".join(
        [HEADER] + [f"Count {n},98770000{n:02d},Delhi,2025-04-15,{'VALID' if n % 2 else ''}" for n in range(5)]
        + ["Count Dup,9877000001,Delhi,2025-04-15,"]).encode())
    body = assert_counts_match(world)
    assert body["unassigned_customers"] == 6
    assert body["recent_imports"][0]["file_name"] == "five.csv"
    assert (body["recent_imports"][0]["created_rows"], body["recent_imports"][0]["failed_rows"]) == (5, 1)

    lead = world.customers["sales"].id
    assert post_status(world, "sales", lead, "INTERESTED", "called").status_code == 200
    assert post_status(world, "sales", lead, "INTERESTED", "called again").status_code == 200  # no move
    assert post_status(world, "sales", lead, "CONVERTED").status_code == 200
    body = assert_counts_match(world)
    sales = performance(body, "sales")
    assert (sales["converted"], sales["conversion_rate"], sales["changes_today"], sales["converted_today"]) \
        == (1, 100.0, 3, 1)

    other = world.users["other_sales"].id
    world.client("manager").post(f"/customers/{lead}/assign/", {"sales_user": other}, expect=200)
    body = assert_counts_match(world)
    assert performance(body, "sales")["assigned"] == 0 and performance(body, "other_sales")["converted"] == 1


def test_parallel_changes_and_assignments_keep_the_counts_exact(world):
    from tests.leads.conftest import new_leads

    fresh = new_leads(world, 12)
    sales_id, other_id = world.users["sales"].id, world.users["other_sales"].id
    manager = world.client("manager")

    def work(index: int) -> None:
        lead = fresh[index]
        target = sales_id if index % 2 else other_id
        manager.post(f"/customers/{lead}/assign/", {"sales_user": target}, expect=200)
        for status in ("VALID", "FOLLOW_UP", "CONVERTED" if index % 3 == 0 else "NOT_INTERESTED"):
            assert post_status(world, "manager", lead, status).status_code == 200

    def churn(index: int) -> None:  # the same lead changed and reassigned by several at once
        lead = world.customers["manager"].id  # the world's unassigned lead
        if index % 2:
            manager.post(f"/customers/{lead}/assign/", {"sales_user": sales_id if index % 4 == 1 else other_id})
        else:
            post_status(world, "manager", lead, STATUSES[index % len(STATUSES)])

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(12)))
        list(pool.map(churn, range(16)))
    assert_counts_match(world)


def test_parallel_imports_count_every_lead_once(world):
    def one(index: int) -> dict[str, Any]:
        rows = [HEADER] + [f"Par {index} {n},9866{index:02d}{n:04d},Delhi,2025-04-15," for n in range(30)]
        rows.append("Shared Number,9866999999,Delhi,2025-04-15,")  # in every file: created once in all
        return imported(world, f"par{index}.csv", "\n".join(rows).encode())

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(4)))
    assert sum(result["created_rows"] for result in results) == 4 * 30 + 1
    body = assert_counts_match(world)
    assert body["unassigned_customers"] == 1 + 4 * 30 + 1


def test_the_sales_dashboard_shows_your_own_leads_and_what_happened_to_them(world):
    lead = world.customers["sales"]
    assert post_status(world, "sales", lead.id, "FOLLOW_UP", "call back Monday").status_code == 200
    body = world.client("sales").get("/dashboard/sales/", expect=200).json_body
    assert body["assigned_customers"] == 1
    assert distribution(body["status_distribution"]) == {"FOLLOW_UP": 1}
    assert [item["id"] for item in body["assigned_customers_list"]] == [lead.id]
    latest = body["recent_activity"][0]
    assert (latest["kind"], latest["previous_status"], latest["new_status"], latest["notes"]) \
        == ("status", "NEW", "FOLLOW_UP", "call back Monday")
    assert latest["customer"] == {"id": lead.id, "name": lead.name} and latest["changed_by"] == "sales"
    assert body["recent_activity"][1]["kind"] == "assigned"  # the lead became theirs first
    other = world.client("other_sales").get("/dashboard/sales/", expect=200).json_body
    assert lead.id not in [item["id"] for item in other["assigned_customers_list"]]
    assert all(item["customer"]["id"] != lead.id for item in other["recent_activity"])


def test_who_may_see_which_dashboard(world):
    world.client("sales").get("/dashboard/manager/", expect=403)
    world.client("manager").get("/dashboard/sales/", expect=403)
    world.client("admin").get("/dashboard/manager/", expect=200)
    world.http.get("/dashboard/manager/", expect=401)
    world.http.get("/dashboard/sales/", expect=401)
