"""What every RepaySync aggregate shares: tables, roles, id sequences, scoping and counts.

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

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.read import get_or_none
from chalicelib.core.db.relations import Children
from chalicelib.core.db.unique import unique_model
from chalicelib.products.repaysync.models import PRODUCT, Customer
from chalicelib.products.repaysync.roles import ADMIN, AGENT, MANAGER, OFFICER  # noqa: F401 - shared by the services

Counters = counter_model(PRODUCT)
find = get_or_none  # the aggregates' short name for a get that may miss
Guards = unique_model(PRODUCT)

SEE_ALL = frozenset({ADMIN, MANAGER, AGENT})
APPROVERS = frozenset({ADMIN, MANAGER})
ACTIVE, PENDING = "user", "pending-user"  # User.kind: the all-index partition a user is listed in
EDIT_ANY_INTERACTION = frozenset({ADMIN, MANAGER})
UPLOAD_ROLES = frozenset({ADMIN, MANAGER})  # bulk uploads (direct or presigned) and the jobs list
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CODE_ATTEMPTS = 8  # generated customer codes tried before giving up (a clash is rare: 36^8 codes)

user_ids = IdSequence(Counters, "users")
customer_ids = IdSequence(Counters, "customers")
loan_ids = IdSequence(Counters, "loans")
interaction_ids = IdSequence(Counters, "interactions")

CUSTOMER_LOANS = Children(Counters, "customer-loans", "This customer has loans; delete the loans first.")
LOAN_INTERACTIONS = Children(Counters, "loan-interactions", "This loan has interactions; delete them first.")


def sees_all(principal: Principal) -> bool:
    return bool(principal.roles & SEE_ALL)


def assigned_to(principal: Principal, customer: Customer | None) -> bool:
    """The officer's own customer. A principal with no local user id (a foreign Cognito subject)
    owns nothing: `None == None` must never match an unassigned customer."""
    return (customer is not None and principal.user_id is not None
            and customer.assigned_collection_officer == principal.user_id)


def generated_code(seed: int, attempt: int = 0) -> str:
    """8 upper-case letters/digits, the same for the same (record id, attempt): retried imports agree."""
    digest = hashlib.sha256(f"{PRODUCT}:customer-code:{seed}:{attempt}".encode()).digest()
    return "".join(CODE_ALPHABET[byte % len(CODE_ALPHABET)] for byte in digest[:8])
