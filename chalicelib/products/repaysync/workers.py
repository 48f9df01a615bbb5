"""Event handlers: the daily follow-up report and the bucket upload worker."""

from __future__ import annotations

from datetime import time
from typing import Any

from chalicelib.products.repaysync.clock import clock

FOLLOWUPS = "daily_followups"
FOLLOWUPS_AT = clock().daily_utc_time(time(8, 0))  # 08:00 in India (02:30 UTC), before the day's calls start
FOLLOWUPS_CRON = f"cron({FOLLOWUPS_AT.minute} {FOLLOWUPS_AT.hour} * * ? *)"
SCHEDULES = {FOLLOWUPS: FOLLOWUPS_CRON}


def register_workers(app: Any) -> None:
    from chalice import Cron

    from chalicelib.core.files.worker import register_upload_worker
    from chalicelib.products.repaysync import imports

    @app.schedule(Cron(FOLLOWUPS_AT.minute, FOLLOWUPS_AT.hour, "*", "*", "?", "*"), name=FOLLOWUPS,
                  description="Write today's follow-ups to reports/followups/<date>.csv")
    def daily_followups(event: Any) -> dict[str, Any]:
        from chalicelib.products.repaysync import reports

        return reports.write_followups()

    register_upload_worker(app, imports.engine())
