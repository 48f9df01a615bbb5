"""The daily manager summary: yesterday's (business zone) figures per sales user, as XLSX under reports/."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.leads.test_dashboards import post_status
from tests.leads.test_imports import HEADER, imported


@pytest.fixture()
def frozen(monkeypatch):
    """Set the product's clock: `frozen(instant)` makes that instant 'now'."""
    from chalicelib.core.clock import Clock, zone
    from chalicelib.products.leads import clock

    def freeze(instant: datetime) -> None:
        monkeypatch.setattr(clock, "clock", lambda: Clock(zone(clock.TIME_ZONE), lambda: instant))

    return freeze


def run_schedule(client: Any) -> Any:
    return client.lambda_.invoke("daily_leads_summary", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/daily"]))


def read_report(world: Any, key: str) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings

    with using_settings(world.app.crm_product.settings):
        data = aws.s3().get_object(Bucket=get_settings().bucket, Key=key)["Body"].read()
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_the_summary_counts_yesterday_in_india_per_sales_user(world, client, frozen):
    from chalicelib.products.leads.services import users

    sneaky = users.create_user("plus1", "sales", "Str0ng-Pass!", first_name="=HYPERLINK(\"http://x\")",
                               last_name="Cmd")
    lead, other_lead = world.customers["sales"].id, world.customers["other_sales"].id
    # 2026-11-27 23:00 in India is 17:30 UTC: still the 27th there
    frozen(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    imported(world, "day.csv", "\n".join([HEADER, "Day One,9855000001,Delhi,2026-11-27,",
                                          "Day Two,9855000002,Delhi,2026-11-27,"]).encode())
    post_status(world, "sales", lead, "INTERESTED")
    post_status(world, "sales", lead, "CONVERTED", "paid the fee")
    post_status(world, "other_sales", other_lead, "INVALID")
    post_status(world, "manager", world.customers["manager"].id, "VALID")  # nobody's lead
    world.client("manager").post(f"/customers/{world.customers['manager'].id}/assign/",
                                 {"sales_user": sneaky.id}, expect=200)
    # 2026-11-27 18:45 UTC is already the 28th in India: not the 27th's
    frozen(datetime(2026, 11, 27, 18, 45, tzinfo=UTC))
    post_status(world, "other_sales", other_lead, "CONVERTED")

    frozen(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # the schedule runs on the 28th (India) for the 27th
    result = run_schedule(client)
    assert result.payload["key"] == "reports/daily-summary/2026-11-27.xlsx", result.payload
    rows = read_report(world, result.payload["key"])
    assert rows[0] == ("date", "sales_user_id", "username", "full_name", "new_leads", "status_changes", "conversions")
    by_name = {row[2]: row for row in rows[1:]}
    sales = world.users["sales"]
    assert by_name["sales"] == ("2026-11-27", sales.id, "sales", "Sales", 0, 2, 1)
    assert by_name["other_sales"][4:] == (0, 1, 0)  # its conversion was on the 28th
    assert by_name["plus1"][3] == "'=HYPERLINK(\"http://x\") Cmd"  # written as text, not a formula
    assert by_name["plus1"][4:] == (1, 0, 0)
    assert by_name["(nobody)"][4:] == (None, 1, 0)
    assert by_name["All leads"][4:] == (2, 4, 1)


def test_a_quiet_day_still_gets_its_file(world, client, frozen):
    frozen(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    result = run_schedule(client)
    rows = read_report(world, result.payload["key"])
    assert result.payload["key"].endswith("2026-12-01.xlsx")
    assert all(row[5:] == (0, 0) for row in rows[1:])
