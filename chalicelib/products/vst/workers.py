"""VST's queues, their workers and its schedule: OTP SMS (`otp`), auto-assign (`assignment`), and the
monthly warranty report.

The `otp` worker (`otp_worker`, a core batch consumer: partial batch failures, idempotent on the
sender's dedup id, a poison message parks in the DLQ after 3 deliveries) sends the code's SMS to the
card owner's phone through core's SMS notifier (SNS). A job whose code was replaced by a newer
request, has expired, or whose service moved on is dropped: only the current code is ever sent.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from chalicelib.core.consumers import Message
from chalicelib.core.product import QueueSpec, ScheduleSpec

logger = logging.getLogger("crm.vst.workers")

OTP_WORKER, ASSIGNMENT_WORKER = "otp_worker", "assignment_worker"
WARRANTY_REPORT = "monthly_warranty_report"
# The assignment worker may take up to 300 s (.chalice/config.json): its message stays hidden longer.
QUEUES: tuple[QueueSpec, ...] = (QueueSpec("otp", visibility_timeout=60),
                                 QueueSpec("assignment", visibility_timeout=360))
# 08:00 in India (02:30 UTC) on the first of each month: that month's milestones, to reports/warranty/.
WARRANTY_CRON = "cron(30 2 1 * ? *)"


def write_warranty_report() -> dict[str, Any]:
    """This month's warranty report (its business month) to `reports/warranty/<YYYY-MM>.csv`."""
    from chalicelib.core.files.store import save_report
    from chalicelib.products.vst.clock import clock
    from chalicelib.products.vst.services import warranty

    month = clock().today().strftime("%Y-%m")
    key, rows = save_report(f"warranty/{month}.csv", warranty.COLUMNS, warranty.report_rows(month))
    return {"key": key, "rows": rows}


SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec(WARRANTY_REPORT, WARRANTY_CRON, write_warranty_report,
                 "Write the month's free-service milestones to reports/warranty/<YYYY-MM>.csv"),)


def send_otp_sms(message: Message) -> None:
    """One SMS job: {service, requested_at, text}. Raises (the message comes back) when SNS fails."""
    from chalicelib.core.db.base import utcnow
    from chalicelib.core.db.read import get_or_none
    from chalicelib.core.sms import SmsNotifier
    from chalicelib.products.vst.models import Service, User

    payload = message.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        raise ValueError("an OTP job is {service, requested_at, text}")
    service = get_or_none(Service, int(payload["service"]))
    requested = datetime.fromisoformat(str(payload["requested_at"]))
    if service is None or service.status != "awaiting_otp" or service.otp_requested_at != requested:
        logger.info("otp job for service %s dropped: its code was replaced or the service moved on",
                    payload["service"])
        return
    if service.otp_expires_at is None or service.otp_expires_at <= utcnow():
        logger.info("otp job for service %s dropped: the code has expired", service.id)
        return
    customer = get_or_none(User, service.customer)
    if customer is None:
        logger.warning("otp job for service %s dropped: its customer is gone", service.id)
        return
    SmsNotifier().send(customer.phone, payload["text"])


def assign_pending(message: Message) -> None:
    """One auto-assign run: {job, services}. Idempotent: what is no longer pending is skipped."""
    from chalicelib.products.vst.services import autoassign

    payload = message.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("services"), list):
        raise ValueError("an assignment job is {job, services}")
    outcome = autoassign.run(str(payload["job"]), [int(i) for i in payload["services"]])
    logger.info("auto-assign job %s: %s", payload["job"], outcome or "already done")


def register_workers(app: Any) -> None:
    from chalicelib.core.consumers import register_consumer

    register_consumer(app, send_otp_sms, name=OTP_WORKER, queue="otp", batch_size=10)
    register_consumer(app, assign_pending, name=ASSIGNMENT_WORKER, queue="assignment", batch_size=1)
