"""Auto-assign: pending services go to workers of the card's region who are marked present on the
visit's day, the least loaded first.

`queue_run` (POST /api/crm/autoassign/run/, admins) reads the pending services whose preferred day has
not passed (one Query on `status-created-index`, at most `MAX_RUN` a run), starts a core job (kind
`autoassign`) and puts one message `{job, services}` on the `assignment` queue (dedup id: the job),
answering at once with the job's id and how many services were queued.

`run` (the `assignment_worker`) assigns them one by one in id order: the candidates are the workers of
the service's region (case-insensitive) marked present that day (`date-index` of attendance); a
worker's load is the services already assigned to them that day (`assignee-schedule-index`, a range
Query on the day) plus those given in this run; the least loaded wins (ties: the lower id). Each
assignment is the status machine's `assign` move (actor `autoassign`) with the absence check in its
transaction, at the preferred day and time. A service no longer pending is skipped, so a redelivered
message assigns nothing twice; a service nobody can take stays pending and is named in the job's
errors. The job finishes with `{assigned, left_pending}`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from chalicelib.core import queues
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.read import batch_get, get_or_none
from chalicelib.core.errors import ApiError
from chalicelib.core.jobs.service import Jobs
from chalicelib.products.vst.clock import clock
from chalicelib.products.vst.models import PRODUCT, Attendance, Service, User
from chalicelib.products.vst.services import bookings
from chalicelib.products.vst.services.common import WORKER

JOBS = Jobs(PRODUCT)
KIND = "autoassign"
MAX_RUN = 500  # services per run: one worker invocation assigns them well inside its timeout
ACTOR = "autoassign"


def queue_run(principal: Principal) -> tuple[str, int]:
    """Queue the pending services that can still be visited; answers (job id, services queued)."""
    today = clock().today().isoformat()
    ids: list[int] = []
    for service in Service.status_created_index.query("pending", filter_condition=Service.preferred_date >= today):
        ids.append(service.id)
        if len(ids) == MAX_RUN:
            break
    job = JOBS.start(KIND, principal, total=len(ids))
    if ids:
        queues.send("assignment", {"job": job.job_id, "services": ids}, dedup_id=f"{KIND}#{job.job_id}")
    else:
        JOBS.finish(job, {"assigned": 0, "left_pending": 0})
    return job.job_id, len(ids)


def _present_workers(day: date) -> dict[str, list[int]]:
    """Workers marked present on `day`, by region (casefolded)."""
    ids = [record.user for record in Attendance.date_index.query(day.isoformat(),
                                                                 filter_condition=Attendance.status == "present")]
    by_region: dict[str, list[int]] = defaultdict(list)
    for user in batch_get(User, ids).values():
        if user.role == WORKER and user.region:
            by_region[user.region.casefold()].append(user.id)
    return by_region


def _load(worker: int, day: date) -> int:
    bounds = bookings.day_range(day, day)
    assert bounds is not None  # one day is never an empty range
    return sum(1 for service in Service.assignee_schedule_index.query(worker, Service.schedule_key.between(*bounds))
               if service.status != "cancelled")


def _reason(error: ApiError) -> str:
    messages = [message for found in (error.field_errors or {}).values() for message in found]
    return " ".join(messages) or error.message


def run(job_id: str, service_ids: list[int]) -> dict[str, int] | None:
    """Assign what is still pending; None when the job is gone or finished (a redelivery)."""
    job = get_or_none(JOBS.model, job_id)
    if job is None or job.status not in ("pending", "processing"):
        return None
    services = sorted((s for s in batch_get(Service, service_ids).values() if s.status == "pending"),
                      key=lambda s: s.id)
    present: dict[date, dict[str, list[int]]] = {}
    load: dict[tuple[int, date], int] = {}
    errors: list[dict[str, Any]] = []
    assigned = 0
    for service in services:
        day = date.fromisoformat(service.preferred_date)
        if day not in present:
            present[day] = _present_workers(day)
        candidates = present[day].get(service.region.casefold(), [])
        if not candidates:
            errors.append({"service": service.id,
                           "error": f"No worker of {service.region} is marked present on {day.isoformat()}."})
            continue
        for worker in candidates:
            if (worker, day) not in load:
                load[(worker, day)] = _load(worker, day)
        chosen = min(candidates, key=lambda worker: (load[(worker, day)], worker))
        instant = bookings.visit_instant(day, service.preferred_time)
        try:
            bookings.assign_to(service, chosen, instant, ACTOR)
        except ApiError as error:  # moved meanwhile (409) or marked absent meanwhile (400)
            errors.append({"service": service.id, "error": _reason(error)})
            continue
        load[(chosen, day)] += 1
        assigned += 1
    outcome = {"assigned": assigned, "left_pending": len(errors)}
    JOBS.advance(job, len(services))
    JOBS.finish(job, outcome, errors=errors)
    return outcome
