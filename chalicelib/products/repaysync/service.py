"""RepaySync's rules: who sees and changes what, uniqueness, parents and counts. No HTTP here.

Object-level scoping: a collection officer reaches only the customers assigned to them, and the
loans and interactions under those customers; anything else is "not found" (404), never "forbidden",
so ids outside one's scope reveal nothing. Calling agents, managers and admins see everything.

Parent/child integrity: each customer has a loan count and each loan an interaction count (items in
the counters table). A child is written in one transaction with a check that its parent exists and an
increment of that count; a parent is deleted in one transaction conditioned on its count being zero.
So a delete either sees the child and answers 409, or the child's create sees no parent and fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel as Schema
from pynamodb.exceptions import QueryError
from pynamodb.models import Model

from chalicelib.core.auth.passwords import hash_password
from chalicelib.core.auth.principal import Principal
from chalicelib.core.cursors import is_dynamodb_key
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.unique import Guard, unique_model
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.core.http import validate
from chalicelib.core.paging import Slice, Window
from chalicelib.products.repaysync import txn
from chalicelib.products.repaysync.models import PRODUCT, Customer, Interaction, Loan, User, loan_kind
from chalicelib.products.repaysync.schemas import PUBLIC_ROLES, CustomerIn, InteractionIn, LoanIn, RegisterRequest

Counters = counter_model(PRODUCT)
Guards = unique_model(PRODUCT)

ADMIN, MANAGER, OFFICER, AGENT = "admin", "manager", "collection_officer", "calling_agent"
SEE_ALL = frozenset({ADMIN, MANAGER, AGENT})
APPROVERS = frozenset({ADMIN, MANAGER})
ACTIVE, PENDING = "user", "pending-user"  # User.kind: the all-index partition a user is listed in
EDIT_ANY_INTERACTION = frozenset({ADMIN, MANAGER})
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

user_ids = IdSequence(Counters, "users")
customer_ids = IdSequence(Counters, "customers")
loan_ids = IdSequence(Counters, "loans")
interaction_ids = IdSequence(Counters, "interactions")


# -- helpers -----------------------------------------------------------------------------------
def check_cursor(cursor: dict[str, Any] | None, keys: frozenset[str]) -> None:
    """A cursor must be a key of the queried index (DynamoDB would refuse it; moto crashes on it)."""
    if cursor is not None and not is_dynamodb_key(cursor, keys):
        raise ValidationFailed({"cursor": ["Invalid cursor."]})


def paged(run_query: Callable[[int, dict[str, Any] | None], Any], page: Window, keys: Iterable[str]) -> Slice:
    """One window of a Query whose index key attributes are `keys` (plus the table's `id`)."""
    check_cursor(page.after, frozenset({"id", *keys}))
    try:
        result = run_query(page.limit, page.after)
        items = list(result)
        last = result.last_evaluated_key
    except QueryError as exc:
        if page.after is None:
            raise
        raise ValidationFailed({"cursor": ["Invalid cursor."]}) from exc
    return Slice(items, last if len(items) >= page.limit else None)


def _get(model: type[Model], key: Any) -> Any:
    try:
        return model.get(key)
    except model.DoesNotExist:
        return None


def batch_get(model: type[Model], keys: Iterable[Any]) -> dict[Any, Any]:
    unique = sorted({key for key in keys if key is not None})
    return {item.id: item for item in model.batch_get(unique)} if unique else {}


def current_input(record: Model, schema: type[Schema]) -> dict[str, Any]:
    """A record's values as its input schema names them: the base a PATCH is merged onto."""
    return {name: getattr(record, name) for name in schema.model_fields}


def sees_all(principal: Principal) -> bool:
    return bool(principal.roles & SEE_ALL)


def assigned_to(principal: Principal, customer: Customer | None) -> bool:
    """The officer's own customer. A principal with no local user id (a foreign Cognito subject)
    owns nothing: `None == None` must never match an unassigned customer."""
    return (customer is not None and principal.user_id is not None
            and customer.assigned_collection_officer == principal.user_id)


def counter_key(kind: str, record_id: int) -> str:
    return f"{kind}#{record_id}"


def _count(kind: str, record_id: int, delta: int) -> txn.Step:
    return txn.update(Counters(counter_key(kind, record_id)), [Counters.value.add(delta)])


def _require_zero(kind: str, record_id: int, message: str) -> txn.Step:
    """Deletes the (empty) count item; fails with 409 while children exist."""
    return txn.delete(Counters(counter_key(kind, record_id)),
                      condition=Counters.value.does_not_exist() | (Counters.value <= 0), error=Conflict(message))


def generated_code(seed: int, attempt: int = 0) -> str:
    """8 upper-case letters/digits, the same for the same (record id, attempt): retried imports agree."""
    digest = hashlib.sha256(f"{PRODUCT}:customer-code:{seed}:{attempt}".encode()).digest()
    return "".join(CODE_ALPHABET[byte % len(CODE_ALPHABET)] for byte in digest[:8])


# -- users -------------------------------------------------------------------------------------
def _username_guard(username: str) -> Guard:
    return Guard("user", "username", username, "A user with that username already exists.")


def _email_guard(email: str) -> Guard:
    return Guard("user", "email", email, "A user with that email already exists.")


def principal_of(user: User) -> Principal:
    return Principal(subject=str(user.id), username=user.username, roles=frozenset({user.role}))


def register_user(body: RegisterRequest, actor: Principal | None, address: str = "unknown") -> User:
    """Public for agents and officers; a manager or admin is registered only by an admin.

    A self-registered account is pending until a manager or an admin approves it: a calling agent
    sees every customer, so an anonymous sign-up must not open the loan book to anyone. Such public
    registrations are counted per source address (429 past the limit) before any lookup or hashing."""
    if body.role not in PUBLIC_ROLES and (actor is None or ADMIN not in actor.roles):
        raise Forbidden("Only an admin can register a manager or an admin.")
    approved = actor is not None and bool(actor.roles & APPROVERS)
    if not approved:
        _count_public_registration(address)
    if body.manager is not None:
        manager = _get(User, body.manager)
        if not is_active(manager, MANAGER):
            raise ValidationFailed({"manager": [f"Invalid pk \"{body.manager}\" - no manager with this id."]})
    for guard in (_username_guard(body.username), _email_guard(body.email)):
        if _get(Guards, guard.key) is not None:  # cheap pre-check: no hashing for a taken name
            raise ValidationFailed({guard.field: [guard.message]})
    return create_user(body.username, body.email, body.role, body.password, manager=body.manager, phone=body.phone,
                       active=approved)


def _count_public_registration(address: str) -> None:
    from datetime import timedelta

    from chalicelib.core.auth.lockout import RateLimiter
    from chalicelib.products.repaysync.settings import settings as repaysync_settings

    settings = repaysync_settings()
    RateLimiter(PRODUCT, "register").hit(address, settings.register_per_address,
                                         timedelta(minutes=settings.register_window_minutes),
                                         "Too many registrations from this address; try again later.")


def is_active(user: User | None, role: str) -> bool:
    """An approved user of that role: a pending registration can be neither a manager nor an officer
    of record (it could be rejected, and its id reused by nobody but still referenced)."""
    return user is not None and user.role == role and user.kind == ACTIVE


def create_user(username: str, email: str, role: str, password: str, *, manager: int | None = None,
                phone: str | None = None, password_hash: str | None = None, active: bool = True) -> User:
    user = User(user_ids.next(), kind=ACTIVE if active else PENDING, username=username,
                username_key=username.lower(), email=email, role=role, manager=manager, phone=phone,
                password_hash=password_hash or hash_password(password))
    owner = str(user.id)
    txn.run(Guards, [txn.claim(Guards, _username_guard(username), owner),
                     txn.claim(Guards, _email_guard(email), owner), txn.put(user)])
    return user


def find_user(username: str) -> User | None:
    return next(iter(User.username_index.query(username.strip().lower(), limit=1)), None)


def list_users(page: Window, *, pending: bool = False) -> Slice:
    """Approved users, or the registrations waiting for approval (one partition each of the index)."""
    kind = PENDING if pending else ACTIVE
    return paged(lambda limit, cursor: User.all_index.query(kind, limit=limit, last_evaluated_key=cursor), page,
                 ["kind"])


NOT_PENDING = "This user is not waiting for approval."


def _pending_user(user_id: int) -> User:
    user = _get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    if user.kind != PENDING:
        raise Conflict(NOT_PENDING)
    return user


def approve_user(user_id: int) -> User:
    """Activate a self-registered account; 409 for a user who is not pending (already approved), 404 for
    one who never was or was rejected. Conditional, so an approve racing a reject cannot revive it."""
    user = _pending_user(user_id)
    user.update(actions=[User.kind.set(ACTIVE)], condition=User.kind == PENDING)
    return user


def reject_user(user_id: int) -> None:
    """Remove a pending registration and free its username and email, in one transaction."""
    user = _pending_user(user_id)
    txn.run(Guards, [txn.delete(user, condition=User.kind == PENDING, error=Conflict(NOT_PENDING)),
                     txn.release(Guards, _username_guard(user.username)),
                     txn.release(Guards, _email_guard(user.email))])


def seed_admin(password: str, *, reset: bool = False) -> User:
    """The first admin, idempotent. The embedded stack leaves an existing `admin` as it is; a
    deployed stage's bootstrap (`make bootstrap-admin`, reset=True) gives it the new password and
    makes it an active admin again, so running it twice keeps one admin."""
    existing = find_user("admin")
    if existing is not None:
        if reset:
            existing.update(actions=[User.password_hash.set(hash_password(password)), User.kind.set(ACTIVE),
                                     User.role.set(ADMIN), User.tokens_valid_after.set(utcnow())])
        return existing
    try:
        return create_user("admin", "admin@example.com", ADMIN, password, phone="+911111111111")
    except ValidationFailed:
        return find_user("admin")  # a concurrent seed won


# -- customers ---------------------------------------------------------------------------------
def _code_guard(code: str) -> Guard:
    return Guard("customer", "customer_code", code, "A customer with this customer code already exists.")


def check_officer(officer_id: int | None) -> None:
    if officer_id is None:
        return
    if not is_active(_get(User, officer_id), OFFICER):
        raise ValidationFailed({"assigned_collection_officer": [
            f"Invalid pk \"{officer_id}\" - no collection officer with this id."]})


def get_customer(principal: Principal, customer_id: int) -> Customer:
    customer = _get(Customer, customer_id)
    if customer is None or not (sees_all(principal) or assigned_to(principal, customer)):
        raise NotFound("Customer not found.")
    return customer


def list_customers(principal: Principal, page: Window) -> Slice:
    if sees_all(principal):
        return paged(lambda limit, cursor: Customer.all_index.query(
            "customer", limit=limit, last_evaluated_key=cursor), page, ["kind"])
    if principal.user_id is None:
        return Slice([], None)
    return paged(lambda limit, cursor: Customer.officer_index.query(
        principal.user_id, limit=limit, last_evaluated_key=cursor), page, ["assigned_collection_officer"])


def _customer_fields(body: CustomerIn) -> dict[str, Any]:
    data = body.model_dump(exclude={"customer_code"})
    data["date_of_birth"] = body.date_of_birth.isoformat() if body.date_of_birth else None
    return data


def create_customer(body: CustomerIn) -> Customer:
    """A given code is kept (400 if taken); none generates one, retried on the rare clash."""
    check_officer(body.assigned_collection_officer)
    customer_id = customer_ids.next()
    for attempt in range(8):
        code = body.customer_code or generated_code(customer_id, attempt)
        customer = Customer(customer_id, customer_code=code, **_customer_fields(body))
        try:
            txn.run(Guards, [txn.claim(Guards, _code_guard(code), str(customer_id)), txn.put(customer)])
            return customer
        except ValidationFailed:
            if body.customer_code:
                raise
    raise Conflict("Could not generate a unique customer code; try again.")


def update_customer(customer_id: int, changes: dict[str, Any], *, partial: bool) -> Customer:
    """PUT (`partial=False`) or PATCH; an omitted or null customer_code keeps the current code."""
    customer = _get(Customer, customer_id)
    if customer is None:
        raise NotFound("Customer not found.")
    body = validate(CustomerIn, {**current_input(customer, CustomerIn), **changes} if partial else changes)
    if body.assigned_collection_officer != customer.assigned_collection_officer:
        check_officer(body.assigned_collection_officer)
    old_code = customer.customer_code
    new_code = body.customer_code or old_code
    for name, value in _customer_fields(body).items():
        setattr(customer, name, value)
    customer.customer_code = new_code
    steps = [txn.put(customer)]
    if new_code.lower() != old_code.lower():
        steps += [txn.claim(Guards, _code_guard(new_code), str(customer_id)),
                  txn.release(Guards, _code_guard(old_code))]
    txn.run(Guards, steps)
    _sync_loan_officers(customer_id, customer.assigned_collection_officer)
    return customer


def _sync_loan_officers(customer_id: int, officer: int | None) -> None:
    """Copy the customer's officer onto its loans (the officer's loan list reads that copy).

    Runs on every customer update and touches only loans whose copy differs, so a reassignment
    that was interrupted is completed by the next save of the customer."""
    for loan in Loan.customer_index.query(customer_id):
        for _ in range(3):
            if loan.officer == officer:
                break
            action = Loan.officer.set(officer) if officer is not None else Loan.officer.remove()
            try:
                loan.update(actions=[action])
                break
            except Conflict:
                loan = _get(Loan, loan.id)  # changed meanwhile: re-read and retry
                if loan is None:
                    break


def delete_customer(customer_id: int) -> None:
    customer = _get(Customer, customer_id)
    if customer is None:
        raise NotFound("Customer not found.")
    txn.run(Guards, [
        _require_zero("customer-loans", customer_id,
                      "This customer has loans; delete the loans first."),
        txn.release(Guards, _code_guard(customer.customer_code)),
        txn.delete(customer),
    ])


# -- loans -------------------------------------------------------------------------------------
def _account_guard(number: str) -> Guard:
    return Guard("loan", "loan_account_number", number, "A loan with this loan account number already exists.")


def _customer_exists(customer_id: int) -> txn.Step:
    return txn.check(Customer, customer_id, Customer.id.exists(), ValidationFailed(
        {"customer": [f"Invalid pk \"{customer_id}\" - customer does not exist."]}))


def _customer_unchanged(customer: Customer) -> txn.Step:
    """The customer read for its officer is still that version (else the loan's copy could be stale)."""
    return txn.check(Customer, customer.id, Customer.version == customer.version, Conflict(
        "The customer changed while the loan was being saved; try again."))


def _loan_customer(customer_id: int) -> Customer:
    customer = _get(Customer, customer_id)
    if customer is None:
        raise ValidationFailed({"customer": [f"Invalid pk \"{customer_id}\" - customer does not exist."]})
    return customer


def get_loan(principal: Principal, loan_id: int) -> Loan:
    loan = _get(Loan, loan_id)
    if loan is None:
        raise NotFound("Loan not found.")
    if not sees_all(principal) and not assigned_to(principal, _get(Customer, loan.customer)):
        raise NotFound("Loan not found.")
    return loan


def list_loans(principal: Principal, page: Window) -> Slice:
    if sees_all(principal):
        return paged(lambda limit, cursor: Loan.all_index.query("loan", limit=limit, last_evaluated_key=cursor),
                     page, ["kind"])
    if principal.user_id is None:
        return Slice([], None)
    listed = paged(lambda limit, cursor: Loan.officer_index.query(
        principal.user_id, limit=limit, last_evaluated_key=cursor), page, ["officer"])
    # The loan's officer is a copy; the customer's assignment is the truth. A copy left stale by an
    # interrupted reassignment must never show another officer's loan.
    customers = batch_get(Customer, {loan.customer for loan in listed.items})
    return Slice([loan for loan in listed.items if assigned_to(principal, customers.get(loan.customer))],
                listed.last)


def list_customer_loans(principal: Principal, customer_id: int, page: Window) -> Slice:
    get_customer(principal, customer_id)
    return paged(lambda limit, cursor: Loan.customer_index.query(
        customer_id, limit=limit, last_evaluated_key=cursor), page, ["customer"])


def _loan_fields(body: LoanIn) -> dict[str, Any]:
    data = body.model_dump()
    data["loan_date"] = body.loan_date.isoformat()
    return data


def create_loan(body: LoanIn) -> Loan:
    customer = _loan_customer(body.customer)
    loan = Loan(loan_ids.next(), officer=customer.assigned_collection_officer, **_loan_fields(body))
    txn.run(Guards, [
        _customer_unchanged(customer),
        txn.claim(Guards, _account_guard(body.loan_account_number), str(loan.id)),
        _count("customer-loans", body.customer, 1),
        txn.put(loan),
    ])
    return loan


def update_loan(loan_id: int, changes: dict[str, Any], *, partial: bool) -> Loan:
    loan = _get(Loan, loan_id)
    if loan is None:
        raise NotFound("Loan not found.")
    body = validate(LoanIn, {**current_input(loan, LoanIn), **changes} if partial else changes)
    old_number, old_customer = loan.loan_account_number, loan.customer
    steps: list[txn.Step] = []
    if body.customer != old_customer:
        customer = _loan_customer(body.customer)
        loan.officer = customer.assigned_collection_officer
        steps += [_customer_unchanged(customer), _count("customer-loans", body.customer, 1),
                  _count("customer-loans", old_customer, -1)]
    if body.loan_account_number.lower() != old_number.lower():
        steps += [txn.claim(Guards, _account_guard(body.loan_account_number), str(loan_id)),
                  txn.release(Guards, _account_guard(old_number))]
    for name, value in _loan_fields(body).items():
        setattr(loan, name, value)
    txn.run(Guards, [*steps, txn.put(loan)])
    return loan


def delete_loan(loan_id: int) -> None:
    loan = _get(Loan, loan_id)
    if loan is None:
        raise NotFound("Loan not found.")
    txn.run(Guards, [
        _require_zero("loan-interactions", loan_id, "This loan has interactions; delete them first."),
        _count("customer-loans", loan.customer, -1),
        txn.release(Guards, _account_guard(loan.loan_account_number)),
        txn.delete(loan),
    ])


# -- interactions ------------------------------------------------------------------------------
def _loan_exists(loan_id: int, field_name: str = "loan") -> txn.Step:
    return txn.check(Loan, loan_id, Loan.id.exists(), ValidationFailed(
        {field_name: [f"Invalid pk \"{loan_id}\" - loan does not exist."]}))


def create_interaction(principal: Principal, kind: str, body: InteractionIn) -> Interaction:
    """An officer may record field visits only on loans in their scope (others read as missing)."""
    try:
        get_loan(principal, body.loan)
    except NotFound:
        raise ValidationFailed({"loan": [f"Invalid pk \"{body.loan}\" - loan does not exist."]}) from None
    interaction = Interaction(
        interaction_ids.next(), loan=body.loan, loan_kind=loan_kind(body.loan, kind), interaction_type=kind,
        comment=body.comment, disposition=body.disposition, timestamp=utcnow(),
        next_call_date=body.next_call_date.isoformat() if body.next_call_date else None,
        created_by=principal.user_id)
    txn.run(Guards, [_loan_exists(body.loan), _count("loan-interactions", body.loan, 1), txn.put(interaction)])
    return interaction


def get_interaction(principal: Principal, kind: str, interaction_id: int) -> Interaction:
    """A field interaction is not found under the calling paths, and the reverse."""
    interaction = _get(Interaction, interaction_id)
    if interaction is None or interaction.interaction_type != kind:
        raise NotFound("Interaction not found.")
    try:
        get_loan(principal, interaction.loan)
    except NotFound:
        raise NotFound("Interaction not found.") from None
    return interaction


def list_interactions(principal: Principal, kind: str, loan_id: int, page: Window) -> Slice:
    """Newest first (ids grow with time)."""
    get_loan(principal, loan_id)
    return paged(lambda limit, cursor: Interaction.loan_index.query(
        loan_kind(loan_id, kind), scan_index_forward=False, limit=limit, last_evaluated_key=cursor), page,
        ["loan_kind"])


def _may_edit(principal: Principal, interaction: Interaction) -> None:
    """The creator, managers and admins change or delete an interaction; others read it only."""
    if principal.roles & EDIT_ANY_INTERACTION:
        return
    if interaction.created_by is None or interaction.created_by != principal.user_id:
        raise Forbidden("Only the creator, a manager or an admin can change this interaction.")


def update_interaction(principal: Principal, kind: str, interaction_id: int, changes: Schema,
                       *, partial: bool) -> Interaction:
    interaction = get_interaction(principal, kind, interaction_id)
    _may_edit(principal, interaction)
    values = changes.model_dump(exclude_unset=partial)
    if "disposition" in values and values["disposition"] is None:
        raise ValidationFailed({"disposition": ["This field may not be null."]})
    if "comment" in values:
        interaction.comment = values["comment"] or ""
    if "disposition" in values:
        interaction.disposition = values["disposition"]
    if "next_call_date" in values:
        day = values["next_call_date"]
        interaction.next_call_date = day.isoformat() if day else None
    txn.run(Guards, [txn.put(interaction)])
    return interaction


def delete_interaction(principal: Principal, kind: str, interaction_id: int) -> None:
    interaction = get_interaction(principal, kind, interaction_id)
    _may_edit(principal, interaction)
    txn.run(Guards, [txn.delete(interaction), _count("loan-interactions", interaction.loan, -1)])


# -- logs --------------------------------------------------------------------------------------
def list_logs(page: Window) -> Slice:
    """The audit trail, newest first across its day partitions (records past their TTL are hidden
    until DynamoDB drops them); the cursor is the last record's key (day and id)."""
    from chalicelib.core.audit import AuditStore

    check_cursor(page.after, frozenset({"day", "id"}))
    try:
        items, last = AuditStore(PRODUCT).page(page.limit, page.after)
    except ValueError as exc:
        raise ValidationFailed({"cursor": ["Invalid cursor."]}) from exc
    return Slice(items, last)
