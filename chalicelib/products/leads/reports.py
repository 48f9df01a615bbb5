"""The daily manager summary: yesterday's new leads, status changes and conversions per sales user, as
`reports/daily-summary/<YYYY-MM-DD>.xlsx` in the stage's bucket.

"Yesterday" is the previous calendar day in the business zone (clock.py, India): every day is
reported, weekends too (counsellors call on Saturdays). The figures are the day's maintained counts
(services/tallies.py), written in the transactions of the changes they count, so the report reads a
few count items and the sales users (one Query), never the leads or their history:
- a sales user's `new_leads` are the leads assigned to them that day, `status_changes` the status
  changes of leads they held, `conversions` those that became CONVERTED;
- the `(nobody)` row counts the changes of leads nobody held; the `All leads` row the day's totals,
  its `new_leads` being the leads that entered the system (imports) that day.
Cells go through core's writer: a name that reads like a formula is written as text.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.core.files.store import save_report
from chalicelib.products.leads.models import User
from chalicelib.products.leads.services import tallies
from chalicelib.products.leads.vocabulary import SALES

COLUMNS = ("date", "sales_user_id", "username", "full_name", "new_leads", "status_changes", "conversions")
NOBODY_ROW, TOTAL_ROW = "(nobody)", "All leads"


def report_day() -> date:
    """The day the summary is about: yesterday, in the business zone."""
    return tallies.today() - timedelta(days=1)


def summary_rows(day: date) -> list[list[Any]]:
    team = sorted(User.role_index.query(SALES), key=lambda user: int(user.id))
    figures = tallies.of_day(day, [int(user.id) for user in team])
    assigned, changes, converted = (figures[what] for what in (tallies.ASSIGNED, tallies.CHANGES, tallies.CONVERTED))
    rows: list[list[Any]] = []
    for user in team:
        uid = int(user.id)
        name = " ".join(part for part in (user.first_name, user.last_name) if part)
        rows.append([day.isoformat(), uid, user.username, name, assigned[uid], changes[uid], converted[uid]])  # type: ignore[index]
    rows.append([day.isoformat(), None, NOBODY_ROW, "", None, changes[tallies.NOBODY], converted[tallies.NOBODY]])  # type: ignore[index]
    rows.append([day.isoformat(), None, TOTAL_ROW, "", figures[tallies.CREATED],
                 sum(changes.values()), sum(converted.values())])  # type: ignore[union-attr]
    return rows


def write_daily_summary(day: date | None = None) -> dict[str, Any]:
    """Write the day's summary (a day without events still gets its file: all zeros)."""
    day = day or report_day()
    key, count = save_report(f"daily-summary/{day.isoformat()}.xlsx", COLUMNS, summary_rows(day), kind="xlsx")
    return {"key": key, "rows": count, "day": day.isoformat()}
