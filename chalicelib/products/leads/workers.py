"""Leads' queues, workers and schedule: bulk and random assignments of more than 100 leads
(`assignment`), files dropped under `imports/leads/` in the bucket (`uploads`: core's import worker,
imports.py) and the daily manager summary (reports.py).

The `assignment_worker` (a core batch consumer taking one message at a time: partial batch failures,
idempotent on the sender's dedup id, a poison message parks in the DLQ after 3 deliveries) runs the
queued job from its checkpoint (services/assignment.py `run_job`).
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from chalicelib.core.consumers import Message
from chalicelib.core.product import QueueSpec, ScheduleSpec
from chalicelib.products.leads.clock import clock

logger = logging.getLogger("crm.leads.workers")

ASSIGNMENT_WORKER = "assignment_worker"
# The assignment worker may take up to 300 s (.chalice/config.json): its message stays hidden longer.
QUEUES: tuple[QueueSpec, ...] = (QueueSpec("assignment", visibility_timeout=360), QueueSpec("uploads"))
DAILY_SUMMARY = "daily_leads_summary"
SUMMARY_AT = clock().daily_utc_time(time(7, 0))  # 07:00 in India (01:30 UTC): yesterday's figures before work


def write_daily_summary() -> dict[str, Any]:
    from chalicelib.products.leads import reports

    return reports.write_daily_summary()


SCHEDULES = (ScheduleSpec(DAILY_SUMMARY, f"cron({SUMMARY_AT.minute} {SUMMARY_AT.hour} * * ? *)", write_daily_summary,
                          "Write yesterday's manager summary to reports/daily-summary/<date>.xlsx"),)


def assign_queued(message: Message) -> None:
    """One queued assignment: {job, mode, sales_user, customers}. Resumes from the job's checkpoint."""
    from chalicelib.products.leads.services import assignment

    payload = message.payload
    if not isinstance(payload, dict) or payload.get("mode") not in ("bulk", "random") \
            or not isinstance(payload.get("customers"), list):
        raise ValueError("an assignment job is {job, mode, sales_user, customers}")
    sales_user = payload.get("sales_user")
    outcome = assignment.run_job(str(payload["job"]), payload["mode"], [str(i) for i in payload["customers"]],
                                 int(sales_user) if sales_user is not None else None)
    logger.info("assignment job %s: %s", payload["job"], outcome or "already done")


def register_workers(app: Any) -> None:
    from chalicelib.core.consumers import register_consumer
    from chalicelib.core.files.worker import register_upload_worker
    from chalicelib.products.leads import imports

    register_consumer(app, assign_queued, name=ASSIGNMENT_WORKER, queue="assignment", batch_size=1)
    register_upload_worker(app, imports.engine)
