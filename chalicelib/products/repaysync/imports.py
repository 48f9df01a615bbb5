"""Bulk uploads of customers and interactions through the shared import engine.

Each writer gets up to 25 validated rows with ids that are the same on every retry of the same file.
Rows whose record already exists were written by an earlier attempt and are skipped (idempotent);
the rest are written in one transaction (records, unique guards, parent checks and child counts).
If that transaction is refused, the rows are retried one by one so each bad row gets its own error.
"""

from __future__ import annotations

from collections import Counter as Tally
from functools import cache
from typing import Any

from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.errors import ApiError, Conflict, ValidationFailed
from chalicelib.core.files.spec import ImportBatch, ImportSpec, RowError
from chalicelib.products.repaysync import services
from chalicelib.products.repaysync.models import PRODUCT, Customer, Interaction, Loan, User, loan_kind
from chalicelib.products.repaysync.schemas import CustomerRow, InteractionRow

UPLOAD_ROLES = frozenset({services.ADMIN, services.MANAGER})
Guards = services.Guards


def _commit(pending: list[tuple[int, list[txn.Step]]], errors: list[RowError]) -> None:
    """All rows in one transaction; on refusal, row by row so each failure is reported on its row."""
    if not pending:
        return
    try:
        txn.run(Guards, [step for _, steps in pending for step in steps])
        return
    except ApiError:
        pass
    for row, steps in pending:
        try:
            txn.run(Guards, steps)
        except ValidationFailed as error:
            errors.append(RowError(row, error.field_errors or {"non_field_errors": [error.message]}))
        except Conflict:
            continue  # written meanwhile by a concurrent delivery of the same file


# -- customers ---------------------------------------------------------------------------------
def _free_code(record_id: int, taken: dict[str, str]) -> str:
    """The row's generated code: deterministic per id, skipping codes owned by someone else."""
    for attempt in range(8):
        code = services.generated_code(record_id, attempt)
        key = services.code_guard(code).key
        owner = taken.get(key)
        if owner is None:
            guard = services.find(Guards, key)
            owner = guard.owner if guard else None
        if owner in (None, str(record_id)):
            return code
    raise Conflict("Could not generate a unique customer code.")


def write_customers(batch: ImportBatch) -> list[RowError]:
    items = batch.items()
    existing = services.batch_get(Customer, (record_id for _, record_id, _ in items))
    officers = services.batch_get(User, (row.assigned_collection_officer for _, _, row in items))
    given = [services.code_guard(row.customer_code).key for _, _, row in items if row.customer_code]
    taken = {guard.key: guard.owner for guard in Guards.batch_get(sorted(set(given)))} if given else {}
    errors: list[RowError] = []
    pending: list[tuple[int, list[txn.Step]]] = []
    claimed: set[str] = set()
    for number, record_id, row in items:
        if record_id in existing:
            continue
        officer = row.assigned_collection_officer
        if officer is not None and not services.is_active(officers.get(officer), services.OFFICER):
            errors.append(RowError(number, {"assigned_collection_officer": [
                f"Invalid pk \"{officer}\" - no collection officer with this id."]}))
            continue
        code = row.customer_code or _free_code(record_id, taken)
        guard = services.code_guard(code)
        if taken.get(guard.key, str(record_id)) != str(record_id) or guard.key in claimed:
            errors.append(RowError(number, {"customer_code": [guard.message]}))
            continue
        claimed.add(guard.key)
        customer = Customer(record_id, customer_code=code, **services.customer_fields(row))
        pending.append((number, [txn.claim(Guards, guard, str(record_id)), txn.put(customer)]))
    _commit(pending, errors)
    return errors


# -- interactions ------------------------------------------------------------------------------
def write_interactions(batch: ImportBatch) -> list[RowError]:
    items = batch.items()
    existing = services.batch_get(Interaction, (record_id for _, record_id, _ in items))
    loans = services.batch_get(Loan, (row.loan_id for _, _, row in items))
    created_by = batch.principal.user_id if batch.principal else None
    now = utcnow()
    errors: list[RowError] = []
    rows: list[tuple[int, int, Interaction]] = []
    for number, record_id, row in items:
        if record_id in existing:
            continue
        if row.loan_id not in loans:
            errors.append(RowError(number, {"loan_id": [f"Invalid pk \"{row.loan_id}\" - loan does not exist."]}))
            continue
        rows.append((number, row.loan_id, Interaction(
            record_id, loan=row.loan_id, loan_kind=loan_kind(row.loan_id, row.interaction_type),
            interaction_type=row.interaction_type, comment=row.comment, disposition=row.disposition,
            timestamp=now, next_call_date=row.next_call_date.isoformat() if row.next_call_date else None,
            created_by=created_by)))
    try:
        per_loan = Tally(loan_id for _, loan_id, _ in rows)
        steps = [services.loan_exists(loan_id, "loan_id") for loan_id in per_loan]
        steps += [services.LOAN_INTERACTIONS.add(loan_id, count) for loan_id, count in per_loan.items()]
        if rows:
            txn.run(Guards, steps + [txn.put(item) for _, _, item in rows])
        return errors
    except ApiError:
        pass
    _commit([(number, [services.loan_exists(loan_id, "loan_id"), services.LOAN_INTERACTIONS.add(loan_id),
                       txn.put(item)]) for number, loan_id, item in rows], errors)
    return errors


# -- the engine --------------------------------------------------------------------------------
CUSTOMERS = ImportSpec(
    name="customers", row_model=CustomerRow, write=write_customers, id_sequence="customers", roles=UPLOAD_ROLES,
    headers={"assigned_collection_officer": ("officer", "collection_officer", "officer_id"),
             "address_line_1": ("address", "address1", "address_line1"),
             "address_line_2": ("address2", "address_line2"), "pincode": ("pin", "pin_code", "postal_code"),
             "date_of_birth": ("dob",)})
INTERACTIONS = ImportSpec(
    name="interactions", row_model=InteractionRow, write=write_interactions, id_sequence="interactions",
    roles=UPLOAD_ROLES, headers={"loan_id": ("loan",), "interaction_type": ("type",)},
    defaults={"interaction_type": "field"})


@cache
def engine() -> Any:
    from chalicelib.core.files.engine import ImportEngine

    return ImportEngine(PRODUCT, services.Counters, [CUSTOMERS, INTERACTIONS])


def upload(spec_name: str, filename: str, data: bytes, principal: Any) -> dict[str, Any]:
    """Import an API upload now: `{"records_created": n, "errors": [{"row": n, "errors": {...}}]}`."""
    job = engine().import_upload(spec_name, filename, data, principal)
    if job.status == "failed":
        raise ValidationFailed({"file": [job.message or "The file could not be imported."]})
    return {"records_created": int(job.created_rows or 0), "errors": job.row_errors()}
