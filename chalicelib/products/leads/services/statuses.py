"""A lead's status: the fixed set (schemas.STATUS_DISPLAY), changed through core's state machine.

Any status may follow any other (the spec lists no forbidden move), the same one included: a note on
an unchanged status (another follow-up call) is history too. Each change writes the status and its
history entry (previous, new, who, when, notes) in one transaction, on condition that the lead is the
version read. Two people changing one lead at once: one commits, the other's transaction is cancelled
whole and is tried again on the lead as it now is, so both changes land, in order, and no history
entry is lost or written twice.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.errors import Conflict
from chalicelib.core.states import StateMachine, history_model
from chalicelib.products.leads.models import PRODUCT, Customer
from chalicelib.products.leads.services import activity, tallies
from chalicelib.products.leads.vocabulary import STATUS_DISPLAY

STATES = tuple(STATUS_DISPLAY)
# one action per status, named after it, allowed from every status
LEAD = StateMachine("customer", {target: dict.fromkeys(STATES, target) for target in STATES})
History = history_model(PRODUCT)
ATTEMPTS = 8  # a lead changed by this many others in the time one change takes: 409, try again


def change_status(principal: Principal, customer_id: str, status: str, notes: str = "") -> Customer:
    """Move the lead the caller sees to `status` with its history entry; 409 only if it kept changing."""
    from chalicelib.products.leads.services.customers import visible

    for attempt in range(ATTEMPTS):
        customer = visible(principal, customer_id, consistent=attempt > 0)
        actor = principal.username or principal.subject
        try:  # the lead counts and its holder's activity change in the same transaction
            LEAD.move(customer, status, actor, history=History, note=notes or None,
                      also=[Customer.assignee_status.set(f"{customer.assignee_key}#{status}")],
                      steps=[*tallies.status_changed(customer.assigned_to, customer.status, status),
                             *activity.status_entry(customer, customer.status, status, actor, notes)])
        except Conflict:
            continue  # another change committed first: read the lead again and move from there
        customer.assignee_status = f"{customer.assignee_key}#{status}"
        return customer
    raise Conflict("The lead is being changed by others; try again.")


def history_of(customer: Customer) -> list[dict[str, Any]]:
    return [{"previous_status": entry.from_state, "new_status": entry.to_state, "changed_by": entry.actor,
             "changed_at": entry.at, "notes": entry.note or ""} for entry in LEAD.history(customer, History)]
