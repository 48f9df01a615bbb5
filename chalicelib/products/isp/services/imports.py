"""Customer and bill imports (CSV, XLSX) through core's import engine, API upload or bucket object alike.

Customers are matched by e-mail, case-insensitively, through their e-mail guard items (one batch read
per 100 rows): a known e-mail updates that customer (an empty cell keeps its value), an unknown one
creates it. A bill row with an `id` changes that bill, without one adds a bill (its id reserved by the
engine, the same on every retry); its customer is found by `customer_email` and created when missing
(if the caller's role may create customers), else by `customer`, its id.

Writes are many rows per transaction: each row's record (and guard) plus the counts and aggregates the
rows share (records per sales person, bills per customer, revenue per day/month/year/customer), summed
per item so a transaction never touches one item twice. A refused transaction is tried again row by row,
so each bad row gets its own error. A customer created by an import row carries `import_row` (job and
row), so a batch written again after a crash still counts it as created by that row (core/files
README, "Counting what a writer did"); an update that finds the record already as the row says writes
nothing (the record keeps its version and `updated_at`) and counts as updated.

Rows of one file are written in file order (one batch at a time): a later row naming the same customer
sees the earlier one's result, as if the rows had been sent one by one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.read import batch_get
from chalicelib.core.errors import ApiError, BadRequest, Conflict, ValidationFailed
from chalicelib.core.files.spec import ImportBatch, ImportSpec, RowError, WriteResult
from chalicelib.core.lazyschemas import Schemas
from chalicelib.core.records import Record
from chalicelib.products.isp.clock import clock
from chalicelib.products.isp.models import PRODUCT, Bill, Customer, User
from chalicelib.products.isp.services import bills, customers, roles
from chalicelib.products.isp.services.common import Counters, Guards
from chalicelib.products.isp.services.owners import ASSIGNED, sees_all
from chalicelib.products.isp.services.revenue import Revenue

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import BillIn, BillRow, CustomerIn

S = Schemas("chalicelib.products.isp.schemas")  # the row models, loaded when a file is first read
CUSTOMER_FIELDS = ("name", "company_name", "email", "email_key", "phone", "address", "monthly_revenue",
                   "potential_revenue", "status", "assigned_sales_person", "sales_key", "leave_date")
BILL_FIELDS = ("customer", "nttn_cap", "nttn_com", "billing_date", "iig_qt", "iig_qt_price", "fna", "fna_price",
               "ggc", "ggc_price", "discount", "total_received", "status", "remarks", "total_bill", "total_due")
NO_BILL = "No bill has this id; leave id empty to add a new bill."
NO_CUSTOMER_NAME = "The customer with this e-mail does not exist; give customer_name to create it."
MAY_NOT_CREATE = "The customer with this e-mail does not exist, and your role may not create customers."
NO_CUSTOMER = "Give the customer's e-mail (customer_email) or id (customer)."
NOT_THAT_CUSTOMER = "This is not the id of the customer with customer_email."


def _row_error(number: int, error: ApiError) -> RowError:
    return RowError(number, error.field_errors or {"non_field_errors": [error.message]})


def _mark(batch: ImportBatch, number: int) -> str:
    return f"{batch.job_id}#{number}"


def _snapshot(record: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(record, name) for name in names)


# -- shared effects and packed transactions ----------------------------------------------------------
class Effects(Record):
    """Additive changes rows share (records per sales person, bills per customer, revenue aggregates),
    summed per item so many rows go in one transaction."""

    assigned: Counter[int] = field(default_factory=Counter)
    bills: Counter[int] = field(default_factory=Counter)
    revenue: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(lambda: [Decimal("0"), Decimal("0"), 0]))

    def move_owner(self, old: int | None, new: int | None) -> Effects:
        if old != new:
            if old is not None:
                self.assigned[old] -= 1
            if new is not None:
                self.assigned[new] += 1
        return self

    def move_bill(self, before: Bill | None, after: Bill | None) -> Effects:
        old, new = (before.customer if before else None), (after.customer if after else None)
        if old != new:
            if old is not None:
                self.bills[old] -= 1
            if new is not None:
                self.bills[new] += 1
        for sign, bill in ((-1, before), (1, after)):
            for key, (billed, received, count) in bills.contribution(bill).items():
                total = self.revenue[key]
                total[0] += sign * billed
                total[1] += sign * received
                total[2] += sign * count
        return self

    def merge(self, other: Effects) -> Effects:
        self.assigned.update(other.assigned)
        self.bills.update(other.bills)
        for key, (billed, received, count) in other.revenue.items():
            total = self.revenue[key]
            total[0] += billed
            total[1] += received
            total[2] += count
        return self

    def steps(self) -> list[txn.Step]:
        steps: list[txn.Step] = []
        for user_id, delta in sorted(self.assigned.items()):
            if delta:
                steps.append(ASSIGNED.add(user_id, delta))
            if delta > 0:
                steps.append(txn.check(User, user_id, User.id.exists(), ValidationFailed(
                    {"assigned_sales_person": [f'Invalid pk "{user_id}" - object does not exist.']})))
        for customer_id, delta in sorted(self.bills.items()):
            if delta:
                steps.append(customers.CUSTOMER_BILLS.add(customer_id, delta))
            if delta > 0:
                steps.append(txn.check(Customer, customer_id, Customer.id.exists(), ValidationFailed(
                    {"customer": [f'Invalid pk "{customer_id}" - object does not exist.']})))
        for key, (billed, received, count) in sorted(self.revenue.items()):
            if billed or received or count:
                steps.append(txn.update(Revenue(key), [Revenue.billed.add(billed), Revenue.received.add(received),
                                                       Revenue.bills.add(count)]))
        return steps


class Unit(Record):
    """One row's writes: its own items, and its share of the shared ones."""

    row: int
    steps: list[txn.Step]
    effects: Effects


def _groups(units: list[Unit]) -> list[list[Unit]]:
    """Units packed so each transaction (own items + summed shared items) stays within DynamoDB's 100."""
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    shared, own = Effects(), 0
    for unit in units:
        trial = Effects().merge(shared).merge(unit.effects)
        if current and own + len(unit.steps) + len(trial.steps()) > txn.MAX_ITEMS:
            groups.append(current)
            current, shared, own = [], Effects(), 0
            trial = Effects().merge(unit.effects)
        current.append(unit)
        shared, own = trial, own + len(unit.steps)
    if current:
        groups.append(current)
    return groups


def commit(units: list[Unit]) -> dict[int, ApiError]:
    """Write the units, many per transaction; a refused transaction is tried row by row. Answers the
    refused rows' errors."""
    refused: dict[int, ApiError] = {}
    for group in _groups(units):
        shared = Effects()
        for unit in group:
            shared.merge(unit.effects)
        try:
            txn.run(Guards, [step for unit in group for step in unit.steps] + shared.steps())
            continue
        except ApiError:
            pass  # some row was refused: find which, one by one
        for unit in group:
            try:
                txn.run(Guards, unit.steps + unit.effects.steps())
            except ApiError as error:
                refused[unit.row] = error
    return refused


# -- customers ------------------------------------------------------------------------------------
def _rounds(items: list[tuple[int, Any, Any]], key: Any) -> list[list[tuple[int, Any, Any]]]:
    """Rows in rounds where no two share `key`: the n-th row naming a value goes in round n, so a later
    row sees what an earlier one wrote."""
    rounds: list[list[tuple[int, Any, Any]]] = []
    seen: Counter[Any] = Counter()
    for item in items:
        index = seen[key(item[2])]
        seen[key(item[2])] += 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(item)
    return rounds


def _email_key(row: Any) -> str:
    return customers.email_guard(row.email).key


def _owners(keys: Iterable[str]) -> dict[str, int]:
    """Customer ids by e-mail guard key, for the keys that have one."""
    return {key: int(guard.owner) for key, guard in batch_get(Guards, keys).items()}


def _assignee(principal: Principal | None, everyone: bool, asked: int | None, current: int | None,
              *, sent: bool, new: bool) -> int | None:
    """Who an imported customer is assigned to: the row's cell, else (an empty cell) the current one, or
    the caller for a caller who sees only their own customers (who may name nobody else)."""
    chosen = asked if sent else current
    if everyone:
        return chosen
    assert principal is not None
    if sent and asked != principal.user_id:
        raise ValidationFailed({"assigned_sales_person": ["You can only assign records to yourself."]})
    return principal.user_id if new or sent else current


def write_customers(batch: ImportBatch) -> WriteResult:
    principal = batch.principal
    everyone = principal is None or sees_all(principal, customers.MODULE)
    today = clock().today()
    counts = {"created": 0, "updated": 0}
    errors: list[RowError] = []
    for chunk in _rounds(batch.items(), _email_key):
        owners = _owners(_email_key(row) for _, _, row in chunk)
        found = batch_get(Customer, owners.values())
        missing = sum(1 for _, _, row in chunk if owners.get(_email_key(row)) not in found)
        fresh = iter(customers.customer_ids.reserve(missing))
        units: list[Unit] = []
        outcomes: dict[int, tuple[str, int, tuple[Any, ...], Customer]] = {}
        for number, _, row in chunk:
            current = found.get(owners.get(_email_key(row)))  # type: ignore[arg-type]
            try:
                if current is None:
                    owner = _assignee(principal, everyone, row.assigned_sales_person, None,
                                      sent="assigned_sales_person" in row.model_fields_set, new=True)
                    customer = Customer(next(fresh), join_date=today.isoformat(), status="Active",
                                        import_row=_mark(batch, number))
                    customers._apply(customer, row, owner, today)
                    guard = customers.email_guard(customer.email)
                    units.append(Unit(number, [txn.claim(Guards, guard, str(customer.id)), txn.put(customer)],
                                      Effects().move_owner(None, owner)))
                    outcomes[number] = ("created", customer.id, (), customer)
                    continue
                if current.import_row == _mark(batch, number):
                    counts["created"] += 1  # this row created it in an earlier attempt
                    continue
                if not everyone and current.assigned_sales_person != (principal.user_id if principal else None):
                    raise ValidationFailed({"email": [customers.EMAIL_TAKEN]})  # as the API answers a create
                full: CustomerIn = customers._current(current).model_copy(
                    update={name: getattr(row, name) for name in row.model_fields_set})
                old_owner = current.assigned_sales_person
                owner = _assignee(principal, everyone, row.assigned_sales_person, old_owner,
                                  sent="assigned_sales_person" in row.model_fields_set, new=False)
                before, texts = _snapshot(current, CUSTOMER_FIELDS), customers._searchable(current)
                customers._apply(current, full, owner, today)
                if _snapshot(current, CUSTOMER_FIELDS) == before:
                    counts["updated"] += 1
                    continue
                units.append(Unit(number, [txn.put(current)], Effects().move_owner(old_owner, owner)))
                outcomes[number] = ("updated", current.id, texts, current)
            except ValidationFailed as error:
                errors.append(_row_error(number, error))
        refused = commit(units)
        changed = []
        for number, (outcome, customer_id, old_texts, customer) in outcomes.items():
            if number in refused:
                errors.append(_row_error(number, refused[number]))
                continue
            counts[outcome] += 1
            changed.append((customer_id, old_texts, customers._searchable(customer)))
        customers.SEARCH.replace_many(changed)
    return WriteResult(sorted(errors, key=lambda error: error.row), counts)


# -- bills ----------------------------------------------------------------------------------------
def _customer_for_bills(batch: ImportBatch, counts: dict[str, int]) -> dict[int, int | RowError]:
    """Each row's customer id (or its error), creating the customers named by e-mail that are missing."""
    from chalicelib.products.isp.schemas import CustomerIn

    principal = batch.principal
    may_create = principal is None or roles.may(principal, "customers.create")
    items = batch.items()
    keys = [customers.email_guard(row.customer_email).key for _, _, row in items if row.customer_email]
    owners = _owners(keys)
    found = batch_get(Customer, [*owners.values(), *(row.customer for _, _, row in items if row.customer)])
    marks = {_mark(batch, number) for number, _, _ in items}
    counts["customers_created"] += sum(1 for customer in found.values() if customer.import_row in marks)
    today = clock().today()
    creating: dict[str, tuple[int, Customer]] = {}  # e-mail key -> (the first row naming it, the customer)
    for number, _, row in items:
        if not row.customer_email or not row.customer_name or not may_create:
            continue
        key = customers.email_guard(row.customer_email).key
        if key not in owners and key not in creating:
            customer = Customer(0, join_date=today.isoformat(), status="Active", import_row=_mark(batch, number))
            customers._apply(customer, CustomerIn.model_construct(
                name=row.customer_name, company_name="", email=row.customer_email, phone="", address="",
                monthly_revenue=None, potential_revenue=None, assigned_sales_person=None, status="Active"),
                None, today)
            creating[key] = (number, customer)
    units = []
    for (number, customer), customer_id in zip(creating.values(), customers.customer_ids.reserve(len(creating)),
                                               strict=True):
        customer.id = customer_id
        units.append(Unit(number, [txn.claim(Guards, customers.email_guard(customer.email), str(customer_id)),
                                   txn.put(customer)], Effects()))
    refused = commit(units)
    created = []
    for key, (number, customer) in creating.items():
        if number in refused:
            continue  # the e-mail was taken meanwhile (another import or a person): read again below
        owners[key] = customer.id
        found[customer.id] = customer
        counts["customers_created"] += 1
        created.append((customer.id, (), customers._searchable(customer)))
    customers.SEARCH.replace_many(created)
    late = [key for key, (number, _) in creating.items() if number in refused]
    if late:
        again = _owners(late)
        owners.update(again)
        found.update(batch_get(Customer, again.values()))
    answers: dict[int, int | RowError] = {}
    for number, _, row in items:
        if row.customer_email:
            customer_id = owners.get(customers.email_guard(row.customer_email).key)
            if customer_id is None:
                message = MAY_NOT_CREATE if not may_create else NO_CUSTOMER_NAME
                answers[number] = RowError(number, {"customer_name" if may_create else "customer_email": [message]})
            elif row.customer is not None and row.customer != customer_id:
                answers[number] = RowError(number, {"customer": [NOT_THAT_CUSTOMER]})
            else:
                answers[number] = customer_id
        elif row.customer is not None:
            answers[number] = row.customer if row.customer in found else RowError(
                number, {"customer": [f'Invalid pk "{row.customer}" - object does not exist.']})
        else:
            answers[number] = RowError(number, {"customer_email": [NO_CUSTOMER]})
    return answers


def _bill_body(row: BillRow, customer_id: int, current: Bill | None = None) -> BillIn:
    """The bill the row describes: its cells over the current bill's values (all of them for a new bill)."""
    from chalicelib.products.isp.schemas import BillIn

    sent = row.model_fields_set if current is not None else set(BillIn.model_fields)
    base = bills._current(current) if current is not None else BillIn.model_construct()
    values = {name: getattr(row, name) if name in sent else getattr(base, name) for name in BillIn.model_fields}
    values["customer"] = customer_id
    return BillIn.model_construct(**values)


def write_bills(batch: ImportBatch) -> WriteResult:
    counts = {"created": 0, "updated": 0, "customers_created": 0}  # created/updated: bills
    targets = _customer_for_bills(batch, counts)
    errors = [answer for answer in targets.values() if isinstance(answer, RowError)]
    items = [(number, bill_id, row) for number, bill_id, row in batch.items()
             if not isinstance(targets[number], RowError)]
    existing = batch_get(Bill, [row.id for _, _, row in items if row.id is not None])
    written = batch_get(Bill, [bill_id for _, bill_id, row in items if row.id is None]) if batch.resumed else {}
    people = batch_get(Customer, [*(answer for answer in targets.values() if isinstance(answer, int)),
                                  *(bill.customer for bill in existing.values())])
    units: list[Unit] = []
    outcomes: dict[int, tuple[str, Bill, tuple[Any, ...]]] = {}
    for number, bill_id, row in items:
        customer_id = int(targets[number])  # type: ignore[arg-type]
        try:
            if row.id is None:
                if bill_id in written:
                    counts["created"] += 1  # written by an earlier attempt at this chunk
                    continue
                bill = Bill(bill_id)
                bills._apply(bill, _bill_body(row, customer_id))
                units.append(Unit(number, [txn.put(bill, condition=Bill.id.does_not_exist())],
                                  Effects().move_bill(None, bill)))
                outcomes[number] = ("created", bill, ())
                continue
            bill = existing.get(row.id)
            if bill is None:
                raise ValidationFailed({"id": [NO_BILL]})
            before = Bill.from_raw_data(bill.serialize())
            texts = bills._searchable(bill, people.get(bill.customer))
            bills._apply(bill, _bill_body(row, customer_id, bill))
            if _snapshot(bill, BILL_FIELDS) == _snapshot(before, BILL_FIELDS):
                counts["updated"] += 1
                continue
            units.append(Unit(number, [txn.put(bill)], Effects().move_bill(before, bill)))
            outcomes[number] = ("updated", bill, texts)
        except ValidationFailed as error:
            errors.append(_row_error(number, error))
    refused = commit(units)
    changed = []
    for number, (outcome, bill, old_texts) in outcomes.items():
        error = refused.get(number)
        if error is not None and not (outcome == "created" and isinstance(error, Conflict)):
            errors.append(_row_error(number, error))
            continue
        counts[outcome] += 1  # a Conflict on a new bill: a concurrent delivery of this file wrote it
        changed.append((bill.id, old_texts, bills._searchable(bill, people.get(bill.customer))))
    bills.SEARCH.replace_many(changed)
    return WriteResult(sorted(errors, key=lambda error: error.row), counts)


# -- the engine -----------------------------------------------------------------------------------
CUSTOMERS = ImportSpec(
    name="customers", row_model=S.CustomerRow, write=write_customers, permission="customers.import",
    headers={"email": ("e-mail", "email address"), "company_name": ("company",), "phone": ("phone number",),
             "assigned_sales_person": ("sales_person", "kam")})
BILLS = ImportSpec(
    name="bills", row_model=S.BillRow, write=write_bills, id_sequence="bills", permission="bills.import",
    headers={"customer": ("customer_id",), "customer_email": ("email", "e-mail"),
             "customer_name": ("name",), "billing_date": ("date",)})
ADMINS = frozenset({"super_admin", "admin"})  # see every import job (others: their own)
# Rows one request imports (more: 413, use a presigned upload). Measured on the embedded stack over HTTP:
# 2,000 new customers 11.9 s, 2,000 unchanged 3.7 s, 2,000 bills (200 new customers) 28.7 s, most of it
# the bills' aggregates and search terms; API Gateway gives 29 s.
SYNC_MAX_ROWS = 1000


@cache
def engine() -> Any:
    """ISP's import engine. Batches are written one at a time (`writers=1`): rows of one file may name
    the same customer, and file order decides what the later row sees. Starting an import (an upload or
    a presigned one) asks the caller's role for the import's permission."""
    from chalicelib.core.files.engine import ImportEngine

    return ImportEngine(PRODUCT, Counters, [CUSTOMERS, BILLS], writers=1, admin_roles=ADMINS,
                        permissions=roles.may, sync_max_rows=SYNC_MAX_ROWS)


def upload(spec_name: str, filename: str, data: bytes, principal: Principal) -> Any:
    """Import an API upload now; answers the complete job (a file that cannot be read is a 400)."""
    try:
        job = engine().import_upload(spec_name, filename, data, principal)
    except BadRequest as error:  # an unreadable file: the upload's field is what was wrong
        raise ValidationFailed({"file": [error.message]}) from error
    if job.status == "failed":
        raise ValidationFailed({"file": [job.message or "The file could not be imported."]})
    return job
