"""Bulk uploads of customers and interactions through the shared import engine.

Each writer gets up to 100 validated rows with ids that are the same on every retry of the same file.
Nothing is read before writing on a first attempt (the ids are fresh from the counter): customers are
committed row by row in transactions of up to 100 items (a record and its code guard each; a refused
row is named by DynamoDB's cancellation reasons), interactions in transactions of up to 100 items with
their loans' checks and counts (refused: retried row by row so each bad row gets its own error).
Only a batch an earlier attempt may have written (`resumed`) first reads which records exist, and
skips them, so a redelivered file creates nothing twice.
"""

from __future__ import annotations

from collections import Counter as Tally
from functools import cache
from typing import Any

from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.errors import ApiError, Conflict, ValidationFailed
from chalicelib.core.files.spec import ImportBatch, ImportSpec, RowError
from chalicelib.core.lazyschemas import Schemas
from chalicelib.products.repaysync import services
from chalicelib.products.repaysync.models import PRODUCT, Customer, Interaction, Loan, User, loan_kind

Guards = services.Guards
S = Schemas("chalicelib.products.repaysync.schemas")  # row models, loaded when a file is first read


def _row_error(number: int, error: ApiError) -> RowError:
    return RowError(number, error.field_errors or {"non_field_errors": [error.message]})


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
            errors.append(_row_error(row, error))
        except Conflict:
            continue  # written meanwhile by a concurrent delivery of the same file


def _written(model: Any, batch: ImportBatch) -> set[int]:
    """The ids of this batch an earlier attempt already wrote (only a resumed batch can have any)."""
    if not batch.resumed:
        return set()
    return set(services.batch_get(model, (record_id for _, record_id, _ in batch.items())))


# -- customers ---------------------------------------------------------------------------------
def write_customers(batch: ImportBatch) -> list[RowError]:
    """Each row one all-or-nothing unit (its code guard and record), many rows per transaction.

    A given code that is taken refuses its row; a generated one (deterministic per id and attempt, so
    a retry draws the same) is drawn again. A record that exists already was written by a concurrent
    delivery of the same file: its row counts as created.
    """
    items = batch.items()
    written = _written(Customer, batch)
    officers = services.batch_get(User, (row.assigned_collection_officer for _, _, row in items))
    errors: list[RowError] = []
    attempts: dict[int, int] = {}
    rows: dict[int, tuple[int, Any]] = {}
    for number, record_id, row in items:
        if record_id in written:
            continue
        officer = row.assigned_collection_officer
        if officer is not None and not services.is_active(officers.get(officer), services.OFFICER):
            errors.append(RowError(number, {"assigned_collection_officer": [
                f"Invalid pk \"{officer}\" - no collection officer with this id."]}))
            continue
        rows[number] = (record_id, row)
        attempts[number] = 0
    given = {services.code_guard(row.customer_code).key for record_id, row in rows.values() if row.customer_code}
    pending = list(rows)
    while pending:
        claimed: set[str] = set()  # two rows of one batch may not take one code (nor one transaction item)
        units: list[tuple[int, list[txn.Step]]] = []
        for number in pending:
            record_id, row = rows[number]
            code = row.customer_code or services.generated_code(record_id, attempts[number])
            guard = services.code_guard(code)
            if guard.key in claimed or (not row.customer_code and guard.key in given):
                if row.customer_code:
                    errors.append(RowError(number, {"customer_code": [guard.message]}))
                else:
                    attempts[number] += 1
                    units.append((number, []))  # drawn again below
                continue
            claimed.add(guard.key)
            customer = Customer(record_id, customer_code=code, **services.customer_fields(row))
            claim = txn.claim(Guards, guard, str(record_id), fresh=not batch.resumed)  # resumed: may be written
            units.append((number, [claim, txn.put(customer)]))
        refused = txn.run_rows(Guards, [(number, steps) for number, steps in units if steps])
        pending = [number for number, steps in units if not steps]
        for number, error in refused.items():
            if isinstance(error, ValidationFailed) and "customer_code" in error.field_errors \
                    and not rows[number][1].customer_code:
                attempts[number] += 1  # the generated code is someone else's: draw the next one
                pending.append(number)
            elif not isinstance(error, Conflict):
                errors.append(_row_error(number, error))
        for number in [n for n in pending if attempts[n] >= services.CODE_ATTEMPTS]:
            pending.remove(number)
            errors.append(RowError(number, {"customer_code": ["Could not generate a unique customer code."]}))
    return sorted(errors, key=lambda error: error.row)


# -- interactions ------------------------------------------------------------------------------
def _per_transaction(rows: list[tuple[int, int, Interaction]]) -> list[list[tuple[int, int, Interaction]]]:
    """Rows cut so each transaction stays within 100 items: one per row, two per loan (check, count)."""
    groups: list[list[tuple[int, int, Interaction]]] = [[]]
    loans: set[int] = set()
    for row in rows:
        added = 1 + (0 if row[1] in loans else 2)
        if len(groups[-1]) + 2 * len(loans) + added > txn.MAX_ITEMS:
            groups.append([])
            loans = set()
        groups[-1].append(row)
        loans.add(row[1])
    return [group for group in groups if group]


def write_interactions(batch: ImportBatch) -> list[RowError]:
    items = batch.items()
    written = _written(Interaction, batch)
    loans = services.batch_get(Loan, (row.loan_id for _, _, row in items))
    created_by = batch.principal.user_id if batch.principal else None
    now = utcnow()
    errors: list[RowError] = []
    rows: list[tuple[int, int, Interaction]] = []
    for number, record_id, row in items:
        if record_id in written:
            continue
        if row.loan_id not in loans:
            errors.append(RowError(number, {"loan_id": [f"Invalid pk \"{row.loan_id}\" - loan does not exist."]}))
            continue
        rows.append((number, row.loan_id, Interaction(
            record_id, loan=row.loan_id, loan_kind=loan_kind(row.loan_id, row.interaction_type),
            interaction_type=row.interaction_type, comment=row.comment, disposition=row.disposition,
            timestamp=now, next_call_date=row.next_call_date.isoformat() if row.next_call_date else None,
            created_by=created_by)))
    for group in _per_transaction(rows):
        per_loan = Tally(loan_id for _, loan_id, _ in group)
        steps = [services.loan_exists(loan_id, "loan_id") for loan_id in per_loan]
        steps += [services.LOAN_INTERACTIONS.add(loan_id, count) for loan_id, count in per_loan.items()]
        try:
            txn.run(Guards, steps + [txn.put(item) for _, _, item in group])
            continue
        except ApiError:
            pass
        _commit([(number, [services.loan_exists(loan_id, "loan_id"), services.LOAN_INTERACTIONS.add(loan_id),
                           txn.put(item)]) for number, loan_id, item in group], errors)
    return sorted(errors, key=lambda error: error.row)


# -- the engine --------------------------------------------------------------------------------
CUSTOMERS = ImportSpec(
    name="customers", row_model=S.CustomerRow, write=write_customers, id_sequence="customers",
    roles=services.UPLOAD_ROLES,
    headers={"assigned_collection_officer": ("officer", "collection_officer", "officer_id"),
             "address_line_1": ("address", "address1", "address_line1"),
             "address_line_2": ("address2", "address_line2"), "pincode": ("pin", "pin_code", "postal_code"),
             "date_of_birth": ("dob",)})
INTERACTIONS = ImportSpec(
    name="interactions", row_model=S.InteractionRow, write=write_interactions, id_sequence="interactions",
    roles=services.UPLOAD_ROLES, headers={"loan_id": ("loan",), "interaction_type": ("type",)},
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
