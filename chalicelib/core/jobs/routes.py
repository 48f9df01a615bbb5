"""The jobs a product mounts: `GET <prefix>` (newest first) and `GET <prefix>{job_id}/` (status)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.api import Api, Call
from chalicelib.core.jobs.service import Jobs


class JobQuery(BaseModel):
    """Filters of the jobs list (read past on the index: a page holds up to `page_size` matches)."""

    model_config = ConfigDict(defer_build=True)  # built on first use: `import app` stays small

    kind: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="Only jobs of this kind.")
    status: Literal["pending", "processing", "complete", "failed"] | None = Field(
        default=None, description="Only jobs in this status.")


class JobOut(BaseModel):
    """A job in a list: what ran, for whom, how far it got and how it ended."""

    model_config = ConfigDict(defer_build=True)

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

    @api.route(prefix, ["GET"], roles=roles, response=list[JobOut], paginated=True, name="job_list",
               query=JobQuery)
    def job_list(call: Call) -> Any:
        """Jobs newest first: your own (admins: every job of the product), optionally of one kind or status."""
        query: JobQuery = call.query_model
        return call.listing(lambda window: jobs.page(call.user, window, kind=query.kind, status=query.status),
                            lambda job: JobOut(**job.summary()))

    @api.route(f"{prefix}{{job_id}}/", ["GET"], roles=roles, response=JobDetail, name="job_status")
    def job_status(call: Call) -> JobDetail:
        """One job's status, progress, result and errors (your own; admins see all)."""
        return JobDetail(**jobs.get(call.path["job_id"], call.user).detail())
