"""Starting, advancing, finishing and reading jobs; every change is conditional on the job's state.

`Jobs(product)` is what a kind's worker uses (an import keeps its own checkpointed engine:
core/files/engine.py, on the same record); a job that ends emits the JobSucceeded or JobFailed
metric for its kind (core/metrics.py). A finished job never changes again: `advance`, `finish`
and `fail` on a job another worker finished raise `JobMoved`, which the caller treats like a
redelivered message (look again, then skip).
"""

from __future__ import annotations

import uuid
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import metrics
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.base import is_conditional_failure, utcnow
from chalicelib.core.db.read import query_page
from chalicelib.core.errors import NotFound
from chalicelib.core.jobs.model import COMPLETE, FAILED, MAX_ERRORS, PENDING, PROCESSING, Job, job_model
from chalicelib.core.paging import Slice, Window


class JobMoved(Exception):
    """The job is no longer in the state this update expected (another worker moved or finished it)."""


class Jobs:
    """The jobs of one product; `admin_roles` see everyone's, others only their own."""

    def __init__(self, product: str, *, admin_roles: frozenset[str] = frozenset({"admin"})) -> None:
        self.product = product
        self.model = job_model(product)
        self.admin_roles = admin_roles

    # -- writing ---------------------------------------------------------------------------------
    def start(self, kind: str, principal: Principal | None, *, total: int | None = None,
              job_id: str | None = None, status: str = PROCESSING) -> Job:
        """A new job (a fresh id unless given; an id already taken is never overwritten)."""
        job = self.model(job_id or uuid.uuid4().hex, kind=kind, product=self.product, status=status, total=total,
                         owner=principal.subject if principal else None,
                         owner_name=principal.username if principal else None,
                         owner_roles=sorted(principal.roles) if principal else None)
        job.save(condition=self.model.job_id.does_not_exist())
        return job

    def advance(self, job: Job, processed: int, *, total: int | None = None, result: Any = None) -> Job:
        """Record progress (only while the job is pending or processing); `result`, what is done so far,
        is a checkpoint a redelivered message resumes from (and what the owner reads meanwhile)."""
        actions = [self.model.status.set(PROCESSING), self.model.processed.set(processed)]
        if total is not None:
            actions.append(self.model.total.set(total))
        if result is not None:
            actions.append(self.model.result.set(result))
        return self._update(job, actions)

    def finish(self, job: Job, result: Any = None, *, errors: list[Any] | None = None) -> Job:
        """The job is complete with `result` (and the errors of the items it could not do)."""
        actions = [self.model.status.set(COMPLETE), self.model.result.set(result), self.model.finished.set(utcnow())]
        if job.total is None:
            actions.append(self.model.total.set(int(job.processed or 0)))
        if errors:
            actions.append(self.model.errors.set(errors[:MAX_ERRORS]))
        self._update(job, actions)
        metrics.job_finished(self.product, job.kind, succeeded=True)
        return job

    def fail(self, job: Job, message: str, *, errors: list[Any] | None = None) -> Job:
        """The job stopped without completing; `message` says why (no internals: the owner reads it)."""
        actions = [self.model.status.set(FAILED), self.model.message.set(message), self.model.finished.set(utcnow())]
        if errors:
            actions.append(self.model.errors.set(errors[:MAX_ERRORS]))
        self._update(job, actions)
        metrics.job_finished(self.product, job.kind, succeeded=False)
        return job

    def _update(self, job: Job, actions: list[Any]) -> Job:
        try:
            job.update(actions=[*actions, self.model.updated.set(utcnow())],
                       condition=self.model.status.is_in(PENDING, PROCESSING))
        except UpdateError as exc:
            if is_conditional_failure(exc):
                raise JobMoved(job.job_id) from exc
            raise
        return job

    # -- reading ---------------------------------------------------------------------------------
    def visible(self, job: Job, principal: Principal) -> bool:
        return job.owner == principal.subject or bool(principal.roles & self.admin_roles)

    def get(self, job_id: str, principal: Principal) -> Job:
        """The caller's job (admins see every job); 404 otherwise, so ids reveal nothing."""
        try:
            job = self.model.get(job_id)
        except self.model.DoesNotExist:
            raise NotFound("Job not found.") from None
        if not self.visible(job, principal):
            raise NotFound("Job not found.")
        return job

    def page(self, principal: Principal, window: Window, *, kind: str | None = None,
             status: str | None = None) -> Slice:
        """One window of the jobs the caller may see, newest first (a Query on an index, never a Scan).

        `kind` and `status` filter the Query: DynamoDB reads past the other jobs (and bills them), so a
        product that lists one kind among many should give that kind its own index key."""
        if principal.roles & self.admin_roles:
            index, key = self.model.by_product, self.product
        else:
            index, key = self.model.by_owner, principal.subject
        condition = None
        if kind is not None:
            condition = self.model.kind == kind
        if status is not None:
            condition = self.model.status == status if condition is None else condition & (self.model.status == status)
        # a cursor signed for the other index (the caller's role changed) is a 400 in query_page
        return query_page(index, key, window, scan_index_forward=False, filter_condition=condition)
