"""Leads' queue and its worker: bulk and random assignments of more than 100 leads (`assignment`).

The `assignment_worker` (a core batch consumer taking one message at a time: partial batch failures,
idempotent on the sender's dedup id, a poison message parks in the DLQ after 3 deliveries) runs the
queued job from its checkpoint (services/assignment.py `run_job`).
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.core.consumers import Message
from chalicelib.core.product import QueueSpec

logger = logging.getLogger("crm.leads.workers")

ASSIGNMENT_WORKER = "assignment_worker"
# The assignment worker may take up to 300 s (.chalice/config.json): its message stays hidden longer.
QUEUES: tuple[QueueSpec, ...] = (QueueSpec("assignment", visibility_timeout=360),)


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

    register_consumer(app, assign_queued, name=ASSIGNMENT_WORKER, queue="assignment", batch_size=1)
