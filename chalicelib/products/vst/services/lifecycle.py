"""The status machine of a service (core/states.py), and the one way a service changes status.

    pending -> scheduled (a date) / assigned (a worker, and a date) -> awaiting_otp -> completed
    any state before completed -> cancelled

Every move writes the service's new status, the values that go with it and a history item in one
transaction, conditional on the status and version read: of two racing moves one wins, the other is
409, as is a move the table does not allow from the current status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.core.db import txn
from chalicelib.core.states import StateMachine, history_model
from chalicelib.products.vst.models import PRODUCT, Service

OPEN = ("pending", "scheduled", "assigned", "awaiting_otp")
SERVICE = StateMachine("service", {
    "assign": {"pending": "assigned", "scheduled": "assigned", "assigned": "assigned", "awaiting_otp": "assigned"},
    "reschedule": {"pending": "scheduled", "scheduled": "scheduled", "assigned": "assigned"},
    "request_otp": {"assigned": "awaiting_otp", "awaiting_otp": "awaiting_otp"},
    "complete": {"awaiting_otp": "completed"},
    "cancel": {state: "cancelled" for state in OPEN},
})
History = history_model(PRODUCT)
OTP_FIELDS = ("otp_hash", "otp_expires_at", "otp_requested_at")


def move(service: Service, action: str, actor: str, changes: dict[str, Any] | None = None,
         also: list[Any] | None = None, steps: Sequence[txn.Step] = ()) -> Service:
    """Move `service` by `action` (409 when its status does not allow it), setting `changes` (None
    removes an attribute) and its list keys in the same write; `also` are more update actions and
    `steps` more items of the same transaction (the entry a completion creates)."""
    current = service.status
    target = SERVICE.target(action, current)
    changes = dict(changes or {})
    for name, value in changes.items():
        setattr(service, name, value)
    service.status = target  # the list keys follow the new status...
    service.index_keys()
    service.status = current  # ...which the machine writes, on condition that the stored one is `current`
    changes.update(status_key=service.status_key, assignee_key=service.assignee_key,
                   schedule_key=service.schedule_key)
    actions = [getattr(Service, name).set(value) if value is not None else getattr(Service, name).remove()
               for name, value in changes.items()]
    SERVICE.move(service, action, actor, history=History, also=[*actions, *(also or [])], steps=steps)
    return service


def history(service: Service) -> list[Any]:
    """The service's moves, oldest first (one Query)."""
    return SERVICE.history(service, History)
