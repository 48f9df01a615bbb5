"""Assigning leads to sales users: one, a chosen list (bulk) or spread over the team (random).

Every assignment is one transaction: the lead's `assigned_to` (and its index keys), on condition that
the lead is the version read, and an atomic ADD on the per-user load counters (`load#<user id>` in the
counters table: +1 for the new sales user, -1 for the previous one). So the counters always equal the
leads each user holds, however many managers assign at once, and random assignment reads the team's
load with one batch read instead of counting leads.

Random assignment spreads the given leads that nobody holds over the active sales users, least loaded
first (ties: the lower user id), one at a time, so the same leads and the same loads always give the
same result. Leads someone already holds are left with them (`skipped`); bulk assignment moves every
given lead to the named sales user (`unchanged` when it already was theirs).

Up to `SYNC_LIMIT` leads are assigned during the request; more go through the `assignment` queue as a
core job (kind `assignment`), which the `assignment_worker` runs in chunks, checkpointing its progress
on the job, so a redelivered message resumes where the last delivery stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import field
from typing import Any

from chalicelib.core import queues
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.read import batch_get, get_or_none
from chalicelib.core.errors import ApiError, BadRequest, Conflict, NotFound, ValidationFailed
from chalicelib.core.jobs.model import Job
from chalicelib.core.jobs.service import Jobs
from chalicelib.core.records import Record
from chalicelib.products.leads.models import PRODUCT, Customer, User
from chalicelib.products.leads.services import activity, tallies
from chalicelib.products.leads.services.common import Counters, find
from chalicelib.products.leads.vocabulary import ADMIN, SALES

JOBS = Jobs(PRODUCT, admin_roles=frozenset({ADMIN}))
KIND = "assignment"
SYNC_LIMIT = 100  # leads assigned while the request waits; more go through the queue
CHUNK = 50  # leads between two checkpoints of a queued assignment
ATTEMPTS = 5
NOT_SALES = "Select an active sales user."
NOBODY = "There is no active sales user to assign leads to."
STALE = Conflict("The lead was changed by someone else; reload and retry.")


def load_key(user_id: int) -> str:
    return f"load#{user_id}"


def sales_user(user_id: int) -> User:
    """The active sales user `user_id`, or a 400 on `sales_user`."""
    user = find(User, user_id)
    if user is None or user.role != SALES or not user.is_active:
        raise ValidationFailed({"sales_user": [NOT_SALES]})
    return user


def assign(customer: Customer, user_id: int, actor: str = "") -> bool:
    """Give the lead to the sales user, moving the load counters with it (and the lead counts, and the
    sales user's activity: services/tallies.py, activity.py); False if it already was theirs. A lead
    changed meanwhile is read again and tried again. `actor`: who assigned it."""
    for _ in range(ATTEMPTS):
        previous = customer.assigned_to
        if previous is not None and int(previous) == user_id:
            return False
        changes = [Customer.assigned_to.set(user_id), Customer.assignee_key.set(user_id),
                   Customer.assignee_status.set(f"{user_id}#{customer.status}"), Customer.updated_at.set(utcnow())]
        steps = [txn.update(customer, changes, error=STALE),
                 txn.update(Counters(load_key(user_id)), [Counters.value.add(1)])]
        if previous is not None:
            steps.append(txn.update(Counters(load_key(int(previous))), [Counters.value.add(-1)]))
        steps += [*tallies.reassigned(customer.status, previous, user_id),
                  *activity.assigned_entry(customer, user_id, actor)]
        try:
            txn.run(Customer, steps)
        except Conflict:
            try:  # strongly consistent: an eventual read may still return the version that just lost
                customer = Customer.get(customer.id, consistent_read=True)
            except Customer.DoesNotExist:
                raise NotFound("Customer not found.") from None
            continue
        customer.assigned_to, customer.assignee_key = user_id, user_id
        return True
    raise STALE


def loads() -> dict[int, int]:
    """The active sales users and the leads each holds (their maintained counters)."""
    ids = [user.id for user in User.role_index.query(SALES, filter_condition=User.is_active == 1)]
    counters = batch_get(Counters, [load_key(i) for i in ids])
    return {i: int(counters[load_key(i)].value or 0) if load_key(i) in counters else 0 for i in ids}


def least_loaded(load: dict[int, int]) -> int:
    return min(load, key=lambda user_id: (load[user_id], user_id))


class Outcome(Record):
    """What an assignment did: counts, the leads not found, and who got how many."""

    assigned: int = 0
    unchanged: int = 0
    skipped: int = 0
    not_found: list[str] = field(default_factory=list)
    per_user: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"assigned": self.assigned, "unchanged": self.unchanged, "skipped": self.skipped,
                "not_found": list(self.not_found), "per_user": {str(k): v for k, v in sorted(self.per_user.items())}}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Outcome:
        data = data or {}
        return cls(assigned=int(data.get("assigned", 0)), unchanged=int(data.get("unchanged", 0)),
                   skipped=int(data.get("skipped", 0)), not_found=list(data.get("not_found", [])),
                   per_user=Counter({int(k): int(v) for k, v in (data.get("per_user") or {}).items()}))


def _bulk(ids: list[str], user_id: int, outcome: Outcome, actor: str = "") -> None:
    found = batch_get(Customer, ids)
    for customer_id in ids:
        customer = found.get(customer_id)
        if customer is None:
            outcome.not_found.append(customer_id)
        elif assign(customer, user_id, actor):
            outcome.assigned += 1
            outcome.per_user[user_id] += 1
        else:
            outcome.unchanged += 1


def _random(ids: list[str], outcome: Outcome, actor: str = "") -> None:
    found = batch_get(Customer, ids)
    load = loads()
    if not load:
        raise BadRequest(NOBODY)
    for customer_id in ids:
        customer = found.get(customer_id)
        if customer is None:
            outcome.not_found.append(customer_id)
            continue
        if customer.assigned_to is not None:
            outcome.skipped += 1
            continue
        chosen = least_loaded(load)
        if assign(customer, chosen, actor):
            load[chosen] += 1
            outcome.assigned += 1
            outcome.per_user[chosen] += 1
        else:
            outcome.skipped += 1


def _work(mode: str, sales_user_id: int | None, actor: str) -> Callable[[list[str], Outcome], None]:
    if mode == "bulk":
        assert sales_user_id is not None
        return lambda ids, outcome: _bulk(ids, sales_user_id, outcome, actor)
    return lambda ids, outcome: _random(ids, outcome, actor)


def distinct(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def start(principal: Principal, mode: str, customer_ids: list[str], sales_user_id: int | None = None
          ) -> Outcome | Job:
    """Assign now (up to SYNC_LIMIT leads: the Outcome) or queue a job (more: the Job, already started)."""
    ids = distinct(customer_ids)
    if mode == "bulk":
        sales_user(sales_user_id)  # type: ignore[arg-type]
    elif not loads():
        raise BadRequest(NOBODY)
    if len(ids) <= SYNC_LIMIT:
        outcome = Outcome()
        _work(mode, sales_user_id, principal.username)(ids, outcome)
        return outcome
    job = JOBS.start(KIND, principal, total=len(ids))
    queues.send("assignment", {"job": job.job_id, "mode": mode, "sales_user": sales_user_id, "customers": ids},
                dedup_id=f"{KIND}#{job.job_id}")
    return job


def run_job(job_id: str, mode: str, customer_ids: list[str], sales_user_id: int | None) -> dict[str, Any] | None:
    """The queued assignment, from the job's checkpoint on; None when the job is gone or finished."""
    job = get_or_none(JOBS.model, job_id)
    if job is None or job.status not in ("pending", "processing"):
        return None
    outcome = Outcome.from_dict(job.result)
    done = int(job.processed or 0)
    if mode == "bulk":
        try:
            sales_user(sales_user_id)  # type: ignore[arg-type]
        except ApiError as error:
            JOBS.fail(job, "The sales user is no longer an active sales user.", errors=[{"error": error.message}])
            return None
    work = _work(mode, sales_user_id, job.owner_name or "")
    while done < len(customer_ids):
        chunk = customer_ids[done:done + CHUNK]
        try:
            work(chunk, outcome)
        except BadRequest as error:  # nobody left to assign to
            JOBS.fail(job, error.message)
            return None
        done += len(chunk)
        JOBS.advance(job, done, result=outcome.as_dict())
    JOBS.finish(job, outcome.as_dict())
    return outcome.as_dict()
