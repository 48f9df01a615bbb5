"""Bodies of the jobs routes (core/jobs/routes.py), in their own module so that declaring the routes
builds no model (core/lazyschemas.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
