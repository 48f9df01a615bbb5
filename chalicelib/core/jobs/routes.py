"""The jobs a product mounts: `GET <prefix>` (newest first) and `GET <prefix>{job_id}/` (status)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from chalicelib.core.api import Api, Call
from chalicelib.core.jobs.service import Jobs


class JobOut(BaseModel):
    """A job in a list: what ran, for whom, how far it got and how it ended."""

    job_id: str
    kind: str
    status: str
    owner: str | None
    total: int | None
    processed: int
    progress: int
    result: Any = None
    message: str | None
    created: datetime
    updated: datetime
    finished: datetime | None


class JobDetail(JobOut):
    """One job with the errors of the items it could not do (at most 500 kept)."""

    errors: list[Any]


def register_job_routes(api: Api, jobs: Jobs, roles: set[str] | frozenset[str] | None = None,
                        prefix: str = "/api/jobs/") -> None:
    """Mount the list and status routes for `roles` (None: any signed-in user); each caller sees
    their own jobs, `jobs.admin_roles` everyone's."""

    @api.route(prefix, ["GET"], roles=roles, response=list[JobOut], paginated=True, name="job_list")
    def job_list(call: Call) -> Any:
        """Jobs newest first: your own (admins: every job of the product)."""
        return call.listing(lambda window: jobs.page(call.user, window), lambda job: JobOut(**job.summary()))

    @api.route(f"{prefix}{{job_id}}/", ["GET"], roles=roles, response=JobDetail, name="job_status")
    def job_status(call: Call) -> JobDetail:
        """One job's status, progress, result and errors (your own; admins see all)."""
        return JobDetail(**jobs.get(call.path["job_id"], call.user).detail())
