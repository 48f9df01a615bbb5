"""Event handlers: the daily follow-up report (a schedule) and the bucket upload worker (its queue)."""

from __future__ import annotations

from datetime import time
from typing import Any

from chalicelib.core.product import QueueSpec, ScheduleSpec
from chalicelib.products.repaysync.clock import clock

FOLLOWUPS = "daily_followups"
FOLLOWUPS_AT = clock().daily_utc_time(time(8, 0))  # 08:00 in India (02:30 UTC), before the day's calls start
FOLLOWUPS_CRON = f"cron({FOLLOWUPS_AT.minute} {FOLLOWUPS_AT.hour} * * ? *)"


def write_followups() -> dict[str, Any]:
    from chalicelib.products.repaysync import reports

    return reports.write_followups()


SCHEDULES = (ScheduleSpec(FOLLOWUPS, FOLLOWUPS_CRON, write_followups,
                          "Write today's follow-ups to reports/followups/<date>.csv"),)
QUEUES = (QueueSpec("uploads"),)  # bucket uploads; RepaySync sends no OTPs and assigns no work by queue


def register_workers(app: Any) -> None:
    from chalicelib.core.files.worker import register_upload_worker
    from chalicelib.products.repaysync import imports

    register_upload_worker(app, imports.engine)
