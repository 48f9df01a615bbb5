"""Service entries (work logs): what a worker did on a service, the parts replaced, the amount.

The OTP completion writes the service's entry in the same transaction (services/otp.py); staff may
add more entries to a service assigned to them (admins to any) once it is assigned, e.g. where a
visit needs no OTP. Entries are read by whoever sees the service (its customer, its worker, admins).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import query_page
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.vst.models import Service, ServiceEntry
from chalicelib.products.vst.services import bookings
from chalicelib.products.vst.services.common import Counters

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import ServiceEntryIn, ServiceEntryOut, WorkIn

entry_ids = IdSequence(Counters, "service-entries")
WORKED_ON = ("assigned", "awaiting_otp", "completed")


def new_entry(service: Service, work: WorkIn, author: int | None) -> ServiceEntry:
    """An entry of `service` (not yet written: the caller saves it, alone or in a transaction)."""
    parts = [{"code": part.code, "qty": part.qty, "price": str(part.price)} for part in work.parts_replaced]
    return ServiceEntry(entry_ids.next(), service=service.id, work_detail=work.work_detail,
                        parts_replaced=json.dumps(parts), amount_charged=work.amount_charged,
                        next_service_date=work.next_service_date.isoformat() if work.next_service_date else None,
                        created_by=author)


def render(entry: ServiceEntry) -> ServiceEntryOut:
    from chalicelib.products.vst.schemas import ServiceEntryOut

    values: dict[str, Any] = {name: getattr(entry, name) for name in ServiceEntryOut.model_fields}
    values["parts_replaced"] = json.loads(entry.parts_replaced or "[]")
    return ServiceEntryOut.model_validate(values)


def create(principal: Principal, body: ServiceEntryIn) -> ServiceEntry:
    """Staff log work on a service they see (a worker: assigned to them) once it is assigned."""
    try:
        service = bookings.visible(principal, body.service)
    except NotFound:
        raise ValidationFailed({"service": [f'Invalid pk "{body.service}" - object does not exist.']}) from None
    if service.status not in WORKED_ON:
        raise Conflict(f"Cannot log work on a service that is {service.status}.")
    entry = new_entry(service, body, principal.user_id)
    entry.save(condition=ServiceEntry.id.does_not_exist())
    return entry


def of_service(service: Service) -> list[ServiceEntry]:
    """Every entry of a service, oldest first (one Query; a service has a handful)."""
    return list(ServiceEntry.service_index.query(service.id))


def list_entries(principal: Principal, service_id: int, page: Window) -> Slice:
    """The entries of a service the caller sees; of any other service, none."""
    try:
        bookings.visible(principal, service_id)
    except NotFound:
        return Slice([], None)
    return query_page(ServiceEntry.service_index, service_id, page)
