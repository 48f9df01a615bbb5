"""Leads from CSV and XLSX files through core's import engine (core/files): `POST /import/` and files
dropped under `imports/leads/` in the bucket run the same code.

A row is a lead: name, phone_number, area, date and, optionally, status (import_schemas.LeadRow).
A phone number is unique once normalised to E.164 (`98765 43210`, `+91-98765-43210` and
`09876543210` are one number): each row claims its number's guard item in the transaction that
writes the lead, so a number already taken, by an earlier lead or an earlier row of the same file,
refuses only that row, and the row's error names which (`Duplicate of row 5 of this file.`). Batches
are written one after the other (`writers=1`), so of two rows with one number the first (upper)
one is always the one created.

Each transaction of the batch also adds the leads it writes to the counts (services/tallies.py):
the counts change with exactly the rows committed. Leads get UUIDs derived from the job and the row
(`ImportBatch.uuid_for`), so a retried file rewrites nothing twice: a resumed batch first reads which
of its leads exist and skips them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.read import batch_get
from chalicelib.core.errors import ApiError, Conflict, ValidationFailed
from chalicelib.core.files.spec import ImportBatch, ImportSpec, RowError
from chalicelib.core.lazyschemas import Schemas
from chalicelib.products.leads.models import PRODUCT, Customer
from chalicelib.products.leads.services import tallies
from chalicelib.products.leads.services.common import Counters, Guards
from chalicelib.products.leads.services.customers import SEARCH, phone_guard, searchable
from chalicelib.products.leads.vocabulary import MANAGERS

if TYPE_CHECKING:
    from chalicelib.products.leads.import_schemas import LeadRow

S = Schemas("chalicelib.products.leads.import_schemas")  # loaded on first use (core/lazyschemas.py)

LEADS = "leads"  # the one import type: `imports/leads/<file>` in the bucket
TAKEN = "A lead with this phone number already exists."
DUPLICATE = "Duplicate of row {row} of this file."
INDEX_BATCH, INDEX_WRITERS = 25, 8  # search terms per BatchWriteItem; such calls at once
JOBS_PREFIX = "/import/jobs/"  # core's presign and job status routes (import_routes.py)
PRESIGN_PATH = f"{JOBS_PREFIX}presign/"


def _lead(batch: ImportBatch, number: int, row: LeadRow) -> Customer:
    customer = Customer(batch.uuid_for(number), name=row.name, phone_number=row.phone_number, area=row.area,
                        date=(row.date or tallies.today()).isoformat(), status=row.status,
                        import_job=batch.job_id, import_row=number)
    customer.keyed()
    return customer


def _duplicates(refused: dict[int, str], batch: ImportBatch) -> dict[int, str]:
    """Why each refused row's number is taken: by a row of this file (its number) or by another lead."""
    guards = batch_get(Guards, {phone_guard(phone).key for phone in refused.values()})
    owners = batch_get(Customer, {guard.owner for guard in guards.values()})
    reasons = {}
    for number, phone in refused.items():
        guard = guards.get(phone_guard(phone).key)
        owner = owners.get(guard.owner) if guard is not None else None
        if owner is not None and owner.import_job == batch.job_id and owner.import_row:
            reasons[number] = DUPLICATE.format(row=int(owner.import_row))
        else:
            reasons[number] = TAKEN
    return reasons


def write_leads(batch: ImportBatch) -> list[RowError]:
    """Each row one unit (its phone guard and its lead), many rows a transaction with their counts."""
    items: list[tuple[int, LeadRow]] = [(number, row) for number, _, row in batch.items()]  # type: ignore[misc]
    written: set[str] = set()
    if batch.resumed:  # an earlier attempt may have written some: those count as created, nothing twice
        written = set(batch_get(Customer, [batch.uuid_for(number) for number, _ in items]))
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    units: list[tuple[int, list[txn.Step]]] = []
    leads: dict[int, Customer] = {}
    for number, row in items:
        if row.phone_number in first_row:  # one number twice in this batch: one transaction cannot hold both
            errors.append(RowError(number, {"phone_number": [DUPLICATE.format(row=first_row[row.phone_number])]}))
            continue
        first_row[row.phone_number] = number
        lead = _lead(batch, number, row)
        if lead.id in written:
            leads[number] = lead
            continue
        leads[number] = lead
        units.append((number, [txn.claim(Guards, phone_guard(row.phone_number), lead.id, fresh=not batch.resumed),
                               txn.put(lead, condition=Customer.id.does_not_exist())]))
    day = tallies.today()
    refused = txn.run_rows(Guards, units, shared=lambda numbers: tallies.created(
        (leads[number].status for number in numbers), day), shared_items=tallies.CREATED_ITEMS)
    taken: dict[int, str] = {}
    for number, error in refused.items():
        if isinstance(error, Conflict):
            continue  # the lead exists: a concurrent delivery of the same file wrote it
        if isinstance(error, ValidationFailed) and "phone_number" in error.field_errors:
            taken[number] = leads[number].phone_number
        else:
            errors.append(_row_error(number, error))
    for number, reason in _duplicates(taken, batch).items() if taken else ():
        errors.append(RowError(number, {"phone_number": [reason]}))
    failed = {error.row for error in errors}
    _index(lead for number, lead in leads.items() if number not in failed)
    return sorted(errors, key=lambda error: error.row)


def _row_error(number: int, error: ApiError) -> RowError:
    return RowError(number, error.field_errors or {"non_field_errors": [error.message]})


def _index(leads: Iterable[Customer]) -> None:
    """The search terms of the new leads (idempotent puts: a retried batch writes the same).

    About 25 terms a lead (name, area, both spellings of the number), so one BatchWriteItem a lead:
    written from INDEX_WRITERS threads at once, as each call mostly waits on DynamoDB (a 5,000-row
    upload must finish inside API Gateway's 29 s). Each thread runs in a copy of this context (the
    product's settings)."""
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.core.db.search import prefixes

    terms = [SEARCH.model(term, lead.id) for lead in leads for term in prefixes(*searchable(lead))]
    groups = [terms[start:start + INDEX_BATCH] for start in range(0, len(terms), INDEX_BATCH)]
    if len(groups) <= 1:
        return _write_terms(groups[0]) if groups else None
    with ThreadPoolExecutor(max_workers=min(INDEX_WRITERS, len(groups))) as pool:
        for done in [pool.submit(contextvars.copy_context().run, _write_terms, group) for group in groups]:
            done.result()
    return None


def _write_terms(items: list[Any]) -> None:
    with SEARCH.model.batch_write() as batch:
        for item in items:
            batch.save(item)


SPEC = ImportSpec(
    name=LEADS, row_model=S.LeadRow, write=write_leads, roles=MANAGERS,
    headers={"name": ("full_name", "customer_name", "lead_name"),
             "phone_number": ("phone", "mobile", "mobile_number", "phone_no", "contact", "contact_number"),
             "area": ("location", "locality", "city"), "date": ("lead_date", "enquiry_date")})


@cache
def engine() -> Any:
    """Leads' import engine: managers and admins see every import; batches one after the other."""
    from chalicelib.core.files.engine import ImportEngine

    return ImportEngine(PRODUCT, Counters, [SPEC], admin_roles=MANAGERS, writers=1, presign_path=PRESIGN_PATH)


def upload(filename: str, data: bytes, principal: Principal) -> Any:
    """Import an API upload now; the finished job (a file that cannot be read is a 400 on `file`)."""
    job = engine().import_upload(LEADS, filename, data, principal)
    if job.status == "failed":
        raise ValidationFailed({"file": [job.message or "The file could not be imported."]})
    return job

