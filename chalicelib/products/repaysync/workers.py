"""Event handlers: the daily follow-up report and the bucket upload worker."""

from __future__ import annotations

from typing import Any

FOLLOWUPS = "daily_followups"
FOLLOWUPS_CRON = "cron(30 2 * * ? *)"  # 02:30 UTC = 08:00 IST, before the day's calls start
SCHEDULES = {FOLLOWUPS: FOLLOWUPS_CRON}


def register_workers(app: Any) -> None:
    from chalice import Cron

    from chalicelib.core.files.worker import register_upload_worker
    from chalicelib.products.repaysync import imports

    @app.schedule(Cron(30, 2, "*", "*", "?", "*"), name=FOLLOWUPS,
                  description="Write today's follow-ups to reports/followups/<date>.csv")
    def daily_followups(event: Any) -> dict[str, Any]:
        from chalicelib.products.repaysync import reports

        return reports.write_followups()

    register_upload_worker(app, imports.engine())
