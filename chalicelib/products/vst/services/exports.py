"""The services export (CSV or XLSX, through core's file answer and writer: formulas neutralised).

`?from=`/`?to=` (business days, inclusive) take the services scheduled in that range, in schedule
order (one Query on `all-schedule-index`); without them, every service by id (`all-created-index`).
Rows are written as the Query pages come, so the table is never held whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from chalicelib.core.files.spec import ExportSpec
from chalicelib.products.vst.models import Service
from chalicelib.products.vst.services.bookings import day_range

COLUMNS = ("id", "card", "customer", "status", "service_type", "visit_type", "description", "preferred_date",
           "preferred_time", "scheduled_at", "assigned_to", "created_at", "completed_at", "cancelled_at")


def _text(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


SERVICES = ExportSpec(name="services", columns=COLUMNS, filename="services",
                      row=lambda service: {name: _text(getattr(service, name)) for name in COLUMNS})


def records(start: date | None, end: date | None) -> Iterable[Service]:
    """The services to export (none when `to` is before `from`)."""
    if start is None and end is None:
        return Service.all_created_index.query("service")
    bounds = day_range(start, end)
    return Service.all_schedule_index.query("service", Service.schedule_key.between(*bounds)) if bounds else []
