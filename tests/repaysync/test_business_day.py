"""RepaySync's "today" is India's: at 18:45 UTC on 14 March it is already 15 March there."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.repaysync.conftest import customer_body

NIGHT = datetime(2026, 3, 14, 18, 45, tzinfo=UTC)  # 00:15 on 15 March in Asia/Kolkata


@pytest.fixture()
def night(monkeypatch):
    """Freeze the product's clock by injecting it (no sleeps, no system clock)."""
    from chalicelib.core.clock import business_clock
    from chalicelib.products.repaysync import clock

    monkeypatch.setattr(clock, "clock", lambda: business_clock(clock.TIME_ZONE, lambda: NIGHT))
    return NIGHT


def test_the_schedule_after_indian_midnight_reports_the_indian_day(world, client, night):
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    for day, comment in (("2026-03-14", "yesterday's"), ("2026-03-15", "today's"), ("2026-03-16", "tomorrow's")):
        response = world.http.post("/api/interactions/field/create/", {
            "loan": world.loans["officer"].id, "comment": comment, "disposition": "visited", "next_call_date": day},
            world.as_("officer"))
        assert response.status_code == 201, response.body
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:us-east-1:123456789012:rule/daily"])
    result = client.lambda_.invoke("daily_followups", event)
    assert result.payload == {"key": "reports/followups/2026-03-15.csv", "rows": 1}
    body = aws.s3().get_object(Bucket=get_settings().bucket, Key="reports/followups/2026-03-15.csv")["Body"].read()
    assert [row["comment"] for row in csv.DictReader(io.StringIO(body.decode()))] == ["today's"]


def test_a_birth_date_is_in_the_future_by_india_s_calendar(world, night):
    admin = world.as_("admin")
    born_today = world.http.post("/api/customers/", customer_body(date_of_birth="2026-03-15"), admin)
    assert born_today.status_code == 201, born_today.body  # UTC still says the 27th
    tomorrow = world.http.post("/api/customers/", customer_body(
        date_of_birth="2026-03-16", phone="+91-9876543211", email="other@example.com"), admin)
    assert tomorrow.status_code == 400 and "date_of_birth" in tomorrow.json_body["errors"]
