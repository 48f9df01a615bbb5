"""The records that belong to a customer and carry its agent (`agent_key`, for the agent's own lists):
applications and invoices. Kept apart from services/customers.py so customers and the record kinds do
not import each other.

A record is created in one transaction with a bump of its customer (`customer_bump`: the customer's
version and `records`), so a customer deleted or given another agent after it was read refuses one
of the two; when a customer gets another agent, its records follow in the customer's own
transaction (`follow_steps`), or, for a customer with more records than a transaction holds, one by
one just after it (`follow_agent`).
"""

from __future__ import annotations

from chalicelib.core.db import txn
from chalicelib.core.errors import Conflict
from chalicelib.products.revisbali.models import NO_AGENT, Application, Customer, Invoice, agent_status_key

RETRIES = 5  # a record whose status moves while it follows is read again
IN_TRANSACTION = 90  # records that follow inside the customer's transaction (DynamoDB's limit is 100 items)
KINDS = (Application, Invoice)
CUSTOMER_CHANGED = "The customer was changed or deleted meanwhile; reload and retry."


def agent_key_of(customer: Customer) -> int:
    return customer.agent_id if customer.agent_id is not None else NO_AGENT


def customer_bump(customer: Customer) -> txn.Step:
    """The step that ties a new record to the customer as read (its version, hence its agent)."""
    return txn.update(customer, [Customer.records.add(1)], error=Conflict(CUSTOMER_CHANGED))


def follow_steps(customer_id: int, agent_id: int | None) -> list[txn.Step] | None:
    """The updates giving the customer's records its new agent, as steps of the customer's own
    transaction (each conditional on the record's version: a status move meanwhile makes it a 409); None
    when there are more than IN_TRANSACTION (then `follow_agent` after the customer's transaction)."""
    agent_key = agent_id if agent_id is not None else NO_AGENT
    steps: list[txn.Step] = []
    for kind in KINDS:
        for record in kind.customer_index.query(customer_id):
            if record.agent_key != agent_key:
                if len(steps) == IN_TRANSACTION:
                    return None
                steps.append(txn.update(record, [kind.agent_key.set(agent_key),
                                                 kind.agent_status.set(agent_status_key(agent_key, record.status))]))
    return steps


def follow_agent(customer_id: int, agent_id: int | None) -> int:
    """Give the customer's records the customer's agent; answers how many changed. Each update is
    conditional on the record's version, so a status move in between is never overwritten."""
    agent_key = agent_id if agent_id is not None else NO_AGENT
    changed = 0
    for kind in KINDS:
        for record in kind.customer_index.query(customer_id):
            for _ in range(RETRIES):
                if record.agent_key == agent_key:
                    break
                try:
                    record.update(actions=[kind.agent_key.set(agent_key),
                                           kind.agent_status.set(agent_status_key(agent_key, record.status))])
                    changed += 1
                    break
                except Conflict:
                    record.refresh()
    return changed
