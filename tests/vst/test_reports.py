"""VST reports and utilities: the warranty report (milestones of a month, done or not), upcoming
services, auto-assign through the `assignment` queue, the services export (CSV, XLSX), the monthly
schedule that writes the warranty report to the bucket."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from itertools import count
from typing import Any

from chalicelib.core.clock import add_months
from tests.vst.conftest import bearer, make_user
from tests.vst.test_services import SERVICES, book, day, new_card, today

WARRANTY = "/api/crm/reports/warranty/"
UPCOMING = "/api/crm/reports/upcoming-services/"
EXPORT = "/api/crm/admin/export/services/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_regions = count(1)


def milestone_card(world, due_in: int, **fields) -> tuple[dict[str, Any], str]:
    """A card whose 3-month milestone is `due_in` days from today; answers it and that month."""
    due = today() + timedelta(days=due_in)
    start = add_months(due, -3)
    card = new_card(world, warranty=None, warranty_start_date=start.isoformat(),
                    warranty_end_date=add_months(start, 12).isoformat(), **fields)
    return card, due.strftime("%Y-%m")


def rows_of(world, month: str, card_ids: set[int]) -> list[dict[str, Any]]:
    listed = world.client("admin").get(f"{WARRANTY}?month={month}&page_size=500", expect=200).json_body
    return [row for row in listed if row["card"] in card_ids]


def test_the_warranty_report_lists_the_months_milestones_and_whether_a_free_service_honours_them(world):
    honoured, month = milestone_card(world, 10)
    missed, _ = milestone_card(world, 10, model="Kent Grand")
    service = book(world, honoured, offset=25)  # free (the card's first), 15 days after its milestone
    assert service["service_type"] == "free"
    rows = rows_of(world, month, {honoured["id"], missed["id"]})
    due = (today() + timedelta(days=10)).isoformat()
    assert sorted((r["card"], r["milestone_months"], r["due_date"], r["done"], r["service"]) for r in rows) == [
        (honoured["id"], 3, due, True, service["id"]), (missed["id"], 3, due, False, None)]
    row = next(r for r in rows if r["card"] == missed["id"])
    assert (row["customer"], row["model"], row["region"]) == (world.users["customer"].id, "Kent Grand", "rajapalayam")
    six = add_months(today() + timedelta(days=10), 3).strftime("%Y-%m")
    assert [r["milestone_months"] for r in rows_of(world, six, {missed["id"]})] == [6]
    # the milestones follow the card: new warranty dates move them, a delete removes them
    admin = world.client("admin")
    admin.patch(f"/api/crm/cards/{missed['id']}/", {"warranty_start_date": "2020-01-01",
                                                    "warranty_end_date": "2020-12-31"}, expect=200)
    assert rows_of(world, month, {missed["id"]}) == []
    assert [r["milestone_months"] for r in rows_of(world, "2020-04", {missed["id"]})] == [3]
    admin.delete(f"/api/crm/cards/{honoured['id']}/", expect=204)
    assert rows_of(world, month, {honoured["id"]}) == []


def test_a_cancelled_or_distant_free_service_does_not_honour_a_milestone(world):
    card, month = milestone_card(world, 5)
    service = book(world, card, offset=6)
    world.client("customer").post(f"{SERVICES}{service['id']}/cancel/", expect=200)
    assert [r["done"] for r in rows_of(world, month, {card["id"]})] == [False]


def test_warranty_report_refusals(world):
    for bad in ("", "?month=2026-13", "?month=2026-1", "?month=november"):
        world.client("admin").get(f"{WARRANTY}{bad}", expect=400)
    world.client("worker").get(f"{WARRANTY}?month=2026-01", expect=403)
    world.client("customer").get(f"{WARRANTY}?month=2026-01", expect=403)
    world.client(None).get(f"{WARRANTY}?month=2026-01", expect=401)


def test_upcoming_services_are_the_scheduled_ones_still_to_visit(world):
    card = new_card(world)
    admin = world.client("admin")
    soon, later, pending, dropped = (book(world, card, offset=n) for n in (3, 4, 5, 6))
    admin.post(f"{SERVICES}{soon['id']}/assign/", {"assigned_to": world.users["worker"].id}, expect=200)
    admin.post(f"{SERVICES}{later['id']}/reschedule/", {"scheduled_at": day(45)}, expect=200)
    admin.post(f"{SERVICES}{dropped['id']}/reschedule/", {"scheduled_at": day(7)}, expect=200)
    admin.post(f"{SERVICES}{dropped['id']}/cancel/", expect=200)
    ids = lambda query="": [s["id"] for s in admin.get(f"{UPCOMING}{query}", expect=200).json_body]  # noqa: E731
    assert soon["id"] in ids() and later["id"] not in ids() and pending["id"] not in ids()
    assert dropped["id"] not in ids()
    assert ids(f"?from={day(40)}&to={day(50)}") == [later["id"]]
    admin.get(f"{UPCOMING}?from=tomorrow", expect=400)
    assert ids("?from=9999-12-31") == [] and ids("?from=9999-12-20&to=9999-12-31") == []  # no overflow past 9999
    assert ids(f"?from={day(5)}&to={day(1)}") == []  # `to` before `from`: no day, nothing
    world.client("worker").get(UPCOMING, expect=403)
    world.client(None).get(UPCOMING, expect=401)


def deliver_assignments(world) -> int:
    return len(world.deliver("assignment_worker"))


def test_auto_assign_gives_pending_services_to_present_workers_of_the_region_least_loaded_first(world):
    region = f"Sivakasi{next(_regions)}"
    admin = world.client("admin")
    first, second = make_user("worker", region=region), make_user("worker", region=region.upper())
    absent, elsewhere = make_user("worker", region=region), make_user("worker", region="madurai")
    admin.post("/api/crm/attendance/bulk/", {"date": day(4), "present": [first.id, second.id, elsewhere.id],
                                             "absent": [absent.id]}, expect=200)
    card = new_card(world, region=region)
    services = [book(world, card, offset=4) for _ in range(3)]
    nobody = book(world, card, offset=9)  # nobody of the region is marked present that day
    answer = admin.post("/api/crm/autoassign/run/", expect=202).json_body
    assert answer["detail"] == "Auto-assign queued" and answer["queued"] >= 4
    assert all(admin.get(f"{SERVICES}{s['id']}/", expect=200).json_body["status"] == "pending" for s in services)
    assert deliver_assignments(world) == 1
    got = [admin.get(f"{SERVICES}{s['id']}/", expect=200).json_body for s in services]
    assert [s["status"] for s in got] == ["assigned"] * 3
    assert [s["assigned_to"] for s in got] == [first.id, second.id, first.id]  # balanced, ties to the lower id
    assert got[0]["scheduled_at"].startswith(f"{day(4)}T04:30")  # the preferred day and time
    assert got[0]["history"][-1]["action"] == "assign" and got[0]["history"][-1]["actor"] is None
    assert admin.get(f"{SERVICES}{nobody['id']}/", expect=200).json_body["status"] == "pending"
    job = admin.get(f"/api/crm/jobs/{answer['job_id']}/", expect=200).json_body
    assert job["status"] == "complete" and job["result"]["assigned"] == 3
    assert {"service": nobody["id"], "error": f"No worker of {region} is marked present on {day(9)}."} in job["errors"]
    # a second run queues what is still pending and assigns nothing twice
    again = admin.post("/api/crm/autoassign/run/", expect=202).json_body
    deliver_assignments(world)
    assert [admin.get(f"{SERVICES}{s['id']}/", expect=200).json_body["assigned_to"] for s in services] == [
        first.id, second.id, first.id]
    assert admin.get(f"/api/crm/jobs/{again['job_id']}/", expect=200).json_body["result"]["assigned"] == 0
    world.client("worker").post("/api/crm/autoassign/run/", expect=403)
    world.client(None).post("/api/crm/autoassign/run/", expect=401)


def test_a_redelivered_run_assigns_nothing_twice(world):
    from chalicelib.products.vst.services import autoassign

    region = f"Sattur{next(_regions)}"
    worker = make_user("worker", region=region)
    world.client("admin").post("/api/crm/attendance/mark_present/", {"user": worker.id, "date": day(3)}, expect=200)
    service = book(world, new_card(world, region=region), offset=3)
    with world.settings():
        job = autoassign.JOBS.start(autoassign.KIND, None, total=1)
        assert autoassign.run(job.job_id, [service["id"]]) == {"assigned": 1, "left_pending": 0}
        assert autoassign.run(job.job_id, [service["id"]]) is None  # the job is finished: a redelivery
        assert autoassign.run("no-such-job", [service["id"]]) is None


def test_the_services_export_is_csv_or_xlsx_with_its_name(world):
    owner = make_user("customer")
    world.auth["exporter"] = bearer(owner)
    card = new_card(world, owner)
    booked = book(world, card, "exporter", offset=2, description="=HYPERLINK(\"http://x\")")
    world.client("admin").post(f"{SERVICES}{booked['id']}/reschedule/", {"scheduled_at": day(33)}, expect=200)
    admin = world.client("admin")
    response = admin.get(f"{EXPORT}?from={day(33)}&to={day(33)}", headers={"Accept": "text/csv"}, expect=200)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="services.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [booked["id"]]
    assert rows[0]["description"].startswith("'=") and rows[0]["status"] == "scheduled"
    assert rows[0]["scheduled_at"].startswith(day(33))
    everything = admin.get(EXPORT, headers={"Accept": "text/csv"}, expect=200).body.decode("utf-8-sig")
    assert str(booked["id"]) in everything
    xlsx = admin.get(f"{EXPORT}?format=xlsx&from={day(33)}&to={day(33)}", headers={"Accept": XLSX}, expect=200)
    assert xlsx.headers["Content-Type"] == XLSX and 'filename="services.xlsx"' in xlsx.headers["Content-Disposition"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.body), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "id" and values[1][0] == booked["id"]
    link = admin.get(f"{EXPORT}?format=csv", expect=200).json_body  # no Accept for the file: a link
    assert link["filename"] == "services.csv" and link["url"].startswith("http")
    for bad in ("?format=pdf", "?to=x"):
        admin.get(f"{EXPORT}{bad}", expect=400)
    empty = admin.get(f"{EXPORT}?from={day(5)}&to={day(1)}", headers={"Accept": "text/csv"}, expect=200)
    assert empty.body.decode("utf-8-sig").strip() == ",".join(exports_columns())
    world.client("worker").get(EXPORT, expect=403)
    world.client("exporter").get(EXPORT, expect=403)
    world.client(None).get(EXPORT, expect=401)


def exports_columns() -> tuple[str, ...]:
    from chalicelib.products.vst.services.exports import COLUMNS

    return COLUMNS


def test_the_monthly_schedule_writes_the_warranty_report_to_the_bucket(world):
    from chalicelib.core import aws

    card, month = milestone_card(world, 0)
    client = world.http.client
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:us-east-1:123456789012:rule/warranty"])
    result = client.lambda_.invoke("monthly_warranty_report", event).payload
    assert result["key"] == f"reports/warranty/{month}.csv" and result["rows"] >= 1
    with world.settings():
        from chalicelib.core.config import get_settings

        body = aws.s3().get_object(Bucket=get_settings().bucket, Key=result["key"])["Body"].read().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert any(int(r["card"]) == card["id"] and r["milestone_months"] == "3" and r["done"] == "false" for r in rows)
    assert {spec.name: spec.expression for spec in world.app.crm_product.schedules} == {
        "monthly_warranty_report": "cron(30 2 1 * ? *)"}
