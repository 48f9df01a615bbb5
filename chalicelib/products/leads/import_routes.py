"""The spec's import endpoints as JSON: `POST /import/` (a CSV or XLSX upload, imported now) and
`GET /import/history/` (every import, newest first); core's presign and job routes under
`/import/jobs/` for files too big for the API (they go to the bucket, as a dropped file does).

Registered on Leads' Api when the product is built (wiring.py). The import engine and openpyxl load
on the first upload, not with the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.api import Call, Reply
from chalicelib.core.errors import BadRequest
from chalicelib.core.files.routes import register_import_routes
from chalicelib.core.http import FORM, JSON, MULTIPART
from chalicelib.core.lazyschemas import Schemas
from chalicelib.products.leads.imports import JOBS_PREFIX, LEADS
from chalicelib.products.leads.routes import api
from chalicelib.products.leads.services import import_history
from chalicelib.products.leads.vocabulary import MANAGERS

if TYPE_CHECKING:
    from chalicelib.products.leads.import_schemas import ImportOut

S = Schemas("chalicelib.products.leads.import_schemas")  # loaded on first use (core/lazyschemas.py)

UPLOAD_TYPES = (MULTIPART, JSON, FORM)  # anything but multipart has no file: "No file provided."


def _engine() -> Any:
    from chalicelib.products.leads import imports

    return imports.engine()


@api.route("/import/", ["POST"], roles=MANAGERS, response=S.ImportOut, status=201, content_types=UPLOAD_TYPES,
           upload="file", errors=(413,))
def import_file(call: Call) -> ImportOut:
    """A CSV or XLSX file of leads (name, phone_number, area, date, status), imported now: the import as
    the history shows it, with every refused row and why (the spec's redirect to the history page).
    An unreadable file or one without the name and phone_number columns: 400 on `file`; more than
    5,000 rows: 413 (upload it through /import/jobs/presign/)."""
    from chalicelib.products.leads import imports

    upload = call.parsed.files.get("file") if call.parsed else None
    if upload is None or not upload.data:
        raise BadRequest("No file provided.")
    return import_history.rendered(imports.upload(upload.filename, upload.data, call.user))


@api.route("/import/history/", ["GET"], roles=MANAGERS, response=list[S.ImportOut], paginated=True)
def import_history_list(call: Call) -> Reply:
    """Every import (uploads and bucket files), newest first: who, when, which file, rows read, created
    and refused, and the first 20 refused rows with their errors."""
    return call.listing(lambda window: import_history.page(call.user, window),
                        lambda job: import_history.rendered(job, errors=20))


register_import_routes(api, _engine, [LEADS], roles=MANAGERS, prefix=JOBS_PREFIX)
