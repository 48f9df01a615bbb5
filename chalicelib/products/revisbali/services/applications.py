"""Applications: a customer's visa or permit cases, seen by whoever sees the customer.

An application is numbered `APP-<year>-<id>` (the UTC year of its creation) and starts `draft`.
A customer's applications are one Query on `customer-index`.
"""

from __future__ import annotations

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.products.revisbali.models import Application
from chalicelib.products.revisbali.schemas import ApplicationIn
from chalicelib.products.revisbali.services import customers
from chalicelib.products.revisbali.services.common import Counters, find

application_ids = IdSequence(Counters, "applications")
DRAFT = "draft"


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
                              created_at=now, updated_at=now)
    application.save(condition=Application.id.does_not_exist())
    return application


def visible(principal: Principal, application_id: int) -> tuple[Application, object]:
    """The application and its customer, if the caller sees the customer (404 otherwise)."""
    application = find(Application, application_id)
    missing = NotFound(f"Application with id {application_id} not found.")
    if application is None:
        raise missing
    try:
        return application, customers.visible(principal, application.customer_id)
    except NotFound as exc:
        raise missing from exc

