"""Applications: a customer's visa or permit cases, seen by whoever sees the customer.

An application is numbered `APP-<year>-<id>` (the UTC year of its creation) and starts `draft`; its
status moves only through APPLICATION (core/states.py), each move written with a history item.
It is created in one transaction with a bump of its customer (version and `records`), so a customer
deleted or given another agent meanwhile refuses one of the two (409). It carries its customer's
agent (`agent_key`): an agent's list is one Query on `agent-index` or `agent-status-index`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.core.patch import merged
from chalicelib.core.states import StateMachine
from chalicelib.products.revisbali.models import Application, Customer, agent_status_key
from chalicelib.products.revisbali.roles import AGENT
from chalicelib.products.revisbali.services import customers
from chalicelib.products.revisbali.services.common import Counters, History, count_of, find, page_of
from chalicelib.products.revisbali.services.customer_records import agent_key_of, customer_bump

if TYPE_CHECKING:
    from chalicelib.products.revisbali.schemas import ApplicationChange, ApplicationIn, ApplicationQuery

application_ids = IdSequence(Counters, "applications")
DRAFT = "draft"
OPEN = ("draft", "submitted", "processing")
APPLICATION = StateMachine("application", {
    "submit": {"draft": "submitted"},
    "process": {"submitted": "processing"},
    "approve": {"processing": "approved"},
    "reject": {"submitted": "rejected", "processing": "rejected"},
    "cancel": {state: "cancelled" for state in OPEN},
})
STAFF_ACTIONS = frozenset({"process", "approve", "reject"})  # agents prepare and submit; the office decides
CLOSED = "A {} application can no longer be changed."


def create_application(principal: Principal, body: ApplicationIn) -> Application:
    """For a customer the caller sees (another's, or none: 400 on `customerId`)."""
    try:
        customer = customers.visible(principal, body.customer_id)
    except NotFound as exc:
        raise ValidationFailed({"customer_id": [f"Customer with id {body.customer_id} not found."]}) from exc
    application_id, now = application_ids.next(), utcnow()
    application = Application(application_id, application_number=f"APP-{now.year}-{application_id}",
                              customer_id=customer.id, application_type=body.application_type,
                              visa_type=body.visa_type, duration=body.duration, purpose=body.purpose, status=DRAFT,
                              agent_key=agent_key_of(customer), created_at=now, updated_at=now)
    application.keyed()
    txn.run(Application, [customer_bump(customer),
                          txn.put(application, condition=Application.id.does_not_exist())])
    return application


def visible(principal: Principal, application_id: int) -> tuple[Application, Customer]:
    """The application and its customer, if the caller sees the customer (404 otherwise)."""
    application = find(Application, application_id)
    missing = NotFound(f"Application with id {application_id} not found.")
    if application is None:
        raise missing
    try:
        return application, customers.visible(principal, application.customer_id)
    except NotFound as exc:
        raise missing from exc


# -- lists -----------------------------------------------------------------------------------------
def _source(principal: Principal, query: ApplicationQuery) -> tuple[Any, Any, Any] | None:
    """(index, partition key, filter) of the list asked for; None when it is empty for this caller."""
    if query.customer_id is not None:
        try:
            customers.visible(principal, query.customer_id)
        except NotFound:
            return None
        status_filter = Application.status == query.status if query.status else None
        return Application.customer_index, query.customer_id, status_filter
    if customers.is_agent(principal):
        if query.status:
            return Application.agent_status_index, agent_status_key(principal.user_id or 0, query.status), None
        return Application.agent_index, principal.user_id, None
    if query.status:
        return Application.status_index, query.status, None
    return Application.all_index, "application", None


def list_applications(principal: Principal, query: ApplicationQuery, window: Window) -> Slice:
    """Newest first unless `ordering=createdAt`; one Query on the index the scope and filters choose."""
    return page_of(_source(principal, query), window, oldest_first=query.ordering == "createdAt")


def count_applications(principal: Principal, query: ApplicationQuery) -> int:
    return count_of(_source(principal, query))


# -- changes ---------------------------------------------------------------------------------------
def _current(application: Application) -> ApplicationChange:
    from chalicelib.products.revisbali.schemas import ApplicationChange

    return ApplicationChange.model_construct(
        **{name: getattr(application, name) for name in ApplicationChange.model_fields})


def _action(principal: Principal, current: str, target: str) -> str:
    """The action leading from `current` to `target` (409 if none; 403 for an agent's office action)."""
    action = next((name for name, goes_to in APPLICATION.actions_from(current).items() if goes_to == target), None)
    if action is None:
        raise Conflict(f"An application that is {current} cannot become {target}.")
    if action in STAFF_ACTIONS and AGENT in principal.roles:
        raise Forbidden(f"Only staff and admins may move an application to {target}.")
    return action


def change_application(principal: Principal, application_id: int, body: Any, *, replace: bool) -> Application:
    """PUT (`replace`: fields not sent become null) or PATCH (a merge patch). The fields change while
    the application is open; a `status` other than the current one is a move of the state machine,
    written with the field changes and a history item in one transaction."""
    from chalicelib.products.revisbali.schemas import ApplicationChange

    application, _ = visible(principal, application_id)
    full: ApplicationChange = body if replace else merged(_current(application), body, ApplicationChange)
    target = full.status if full.status is not None else application.status
    fields = {name: getattr(full, name) for name in ("application_type", "visa_type", "duration", "purpose")
              if getattr(full, name) != getattr(application, name)}
    if fields and application.status not in OPEN:
        raise Conflict(CLOSED.format(application.status))
    actions = [getattr(Application, name).set(value) if value is not None else getattr(Application, name).remove()
               for name, value in fields.items()]
    if target != application.status:
        action = _action(principal, application.status, target)
        actions.append(Application.agent_status.set(agent_status_key(application.agent_key, target)))
        APPLICATION.move(application, action, principal.subject, history=History, also=actions)
    elif actions:
        application.update(actions=actions)
    else:
        return application
    application.refresh()
    return application
