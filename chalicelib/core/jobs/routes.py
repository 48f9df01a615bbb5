"""The jobs a product mounts: `GET <prefix>` (newest first) and `GET <prefix>{job_id}/` (status).
Their bodies are core/jobs/schemas.py, loaded on a route's first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.api import Api, Call
from chalicelib.core.jobs.service import Jobs
from chalicelib.core.lazyschemas import Schemas

if TYPE_CHECKING:
    from chalicelib.core.jobs.schemas import JobDetail, JobQuery

S = Schemas("chalicelib.core.jobs.schemas")


def register_job_routes(api: Api, jobs: Jobs, roles: set[str] | frozenset[str] | None = None,
                        prefix: str = "/api/jobs/") -> None:
    """Mount the list and status routes for `roles` (None: any signed-in user); each caller sees
    their own jobs, `jobs.admin_roles` everyone's."""

    @api.route(prefix, ["GET"], roles=roles, response=list[S.JobOut], paginated=True, name="job_list",
               query=S.JobQuery)
    def job_list(call: Call) -> Any:
        """Jobs newest first: your own (admins: every job of the product), optionally of one kind or status."""
        query: JobQuery = call.query_model
        return call.listing(lambda window: jobs.page(call.user, window, kind=query.kind, status=query.status),
                            lambda job: S.JobOut(**job.summary()))

    @api.route(f"{prefix}{{job_id}}/", ["GET"], roles=roles, response=S.JobDetail, name="job_status")
    def job_status(call: Call) -> JobDetail:
        """One job's status, progress, result and errors (your own; admins see all)."""
        return S.JobDetail(**jobs.get(call.path["job_id"], call.user).detail())
