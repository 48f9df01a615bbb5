"""The records that carry their customer's agent (`agent_key`, for the agent's own lists): when a
customer gets another agent, each of its records follows. Kept apart from services/customers.py so
customers and the record kinds do not import each other."""

from __future__ import annotations

from chalicelib.core.errors import Conflict
from chalicelib.products.revisbali.models import NO_AGENT, Application, agent_status_key

RETRIES = 5  # a record whose status moves while it follows is read again


def follow_agent(customer_id: int, agent_id: int | None) -> int:
    """Give the customer's records the customer's agent; answers how many changed. Each update is
    conditional on the record's version, so a status move in between is never overwritten."""
    agent_key = agent_id if agent_id is not None else NO_AGENT
    changed = 0
    for record in Application.customer_index.query(customer_id):
        for _ in range(RETRIES):
            if record.agent_key == agent_key:
                break
            try:
                record.update(actions=[type(record).agent_key.set(agent_key),
                                       type(record).agent_status.set(agent_status_key(agent_key, record.status))])
                changed += 1
                break
            except Conflict:
                record.refresh()
    return changed
