"""VST's queues and their workers: OTP SMS (`otp`). Auto-assign and the warranty report come next.

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

OTP_WORKER = "otp_worker"
QUEUES: tuple[QueueSpec, ...] = (QueueSpec("otp", visibility_timeout=60),)
SCHEDULES: tuple[ScheduleSpec, ...] = ()


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


def register_workers(app: Any) -> None:
    from chalicelib.core.consumers import register_consumer

    register_consumer(app, send_otp_sms, name=OTP_WORKER, queue="otp", batch_size=10)
