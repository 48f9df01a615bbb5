"""HTTP routes of the import engine: a presigned POST for big files, and a job's status.
Their bodies are core/files/schemas.py, loaded on a route's first use."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from chalicelib.core.api import Api, Call
from chalicelib.core.lazyschemas import Schemas, lazy

if TYPE_CHECKING:
    from chalicelib.core.files.schemas import ImportJobResponse, PresignResponse

S = Schemas("chalicelib.core.files.schemas")


def _presign_request(kinds: list[str]) -> Any:
    """The presign body for these import types (made on the route's first use)."""
    from chalicelib.core.files.schemas import presign_request_for

    return presign_request_for(kinds)


def register_import_routes(api: Api, engine: Callable[[], Any], kinds: Iterable[str],
                           roles: set[str] | frozenset[str] | None, prefix: str = "/api/imports/") -> None:
    """The presign and job-status routes of the engine `engine()` answers (built on the first call, so
    `import app` does not load the engine), whose import types are `kinds`."""

    choices = sorted(kinds)
    request = lazy(lambda: _presign_request(choices), "ImportPresignRequest")

    @api.route(f"{prefix}presign/", ["POST"], roles=roles, request=request, response=S.PresignResponse, status=201,
               name="import_presign",
               content_types=("application/json", "application/x-www-form-urlencoded"))
    def presign(call: Call) -> PresignResponse:
        """A presigned POST for an import file too big for the API; the job starts `pending`."""
        return S.PresignResponse(**engine().presign(call.body.import_type, call.body.filename, call.user))

    api.answers_item_of(f"{prefix}presign/", prefix)  # the job it starts is read at `{prefix}{job_id}/`

    @api.route(f"{prefix}{{job_id}}/", ["GET"], roles=roles, response=S.ImportJobResponse,
               name="import_job_status")
    def job_status(call: Call) -> ImportJobResponse:
        """An import job's status, progress and row errors (your own jobs; admins see all)."""
        return S.ImportJobResponse.model_validate(engine().get_job(call.path["job_id"], call.user).as_dict())
