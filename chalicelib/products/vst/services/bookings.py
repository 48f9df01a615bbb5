"""VST services (bookings): who books, sees and changes them, the free-service rule and the lists.

A customer books on their own live card (an admin on any live card, for its owner). The preferred
date (and time, when given) is in the product's time zone, not in the past and at most
`CRM_BOOKING_WINDOW_DAYS` ahead. The server decides `service_type` (`free_or_normal`).

Who sees a service: its customer, the worker assigned to it, every admin; anyone else gets 404, as
for a service that does not exist. Lists are one Query on an index chosen by the most selective
constraint (card, worker, customer, status, else all), in schedule order (scheduled_at ascending,
none last, then created_at) or creation order, with `from`/`to` on the scheduled day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.clock import add_months, days_after
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import query_page
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.vst.clock import clock
from chalicelib.products.vst.models import Card, Service, User
from chalicelib.products.vst.services import attendance, lifecycle
from chalicelib.products.vst.services.common import ADMIN, CUSTOMER, WORKER, Counters, find
from chalicelib.products.vst.settings import settings

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import AssignIn, RescheduleIn, ServiceIn, ServicePatch, ServiceQuery

service_ids = IdSequence(Counters, "services")
NOT_FOUND = "Service not found."
FREE_GAP_MONTHS = 3  # a free service at least this many calendar months after the card's last free one
DEFAULT_VISIT = time(9, 0)  # a date given without a time: the visit is at 09:00 local (or the preferred time)
NEXT_STEPS = {"pending": "admin will assign", "scheduled": "admin will assign a worker",
              "assigned": "a worker will visit"}


def is_admin(principal: Principal) -> bool:
    return ADMIN in principal.roles


def is_customer(principal: Principal) -> bool:
    return CUSTOMER in principal.roles and not is_admin(principal)


def is_worker(principal: Principal) -> bool:
    return WORKER in principal.roles and not is_admin(principal)


# -- the free-service rule -----------------------------------------------------------------
def free_or_normal(card: Card, day: date, earlier_free_days: list[date]) -> str:
    """`free` when `day` is within the card's warranty (both ends included) and at least three calendar
    months after the card's last free service that is not cancelled; else `normal`."""
    if not card.warranty_start_date or not card.warranty_end_date:
        return "normal"
    if not date.fromisoformat(card.warranty_start_date) <= day <= date.fromisoformat(card.warranty_end_date):
        return "normal"
    if earlier_free_days and day < add_months(max(earlier_free_days), FREE_GAP_MONTHS):
        return "normal"
    return "free"


def _free_days(card_id: int) -> list[date]:
    """The visit days of the card's free services that still count (not cancelled): one Query."""
    return [service.service_date(clock()) for service in Service.card_created_index.query(card_id)
            if service.service_type == "free" and service.status != "cancelled"]


# -- booking -------------------------------------------------------------------------------
def _bookable_card(principal: Principal, card_id: int) -> Card:
    card = find(Card, card_id)
    if card is None or card.deleted_at is not None or (not is_admin(principal) and card.customer != principal.user_id):
        raise ValidationFailed({"card": [f'Invalid pk "{card_id}" - object does not exist.']})
    return card


def _check_preferred(day: date, wall: str | None) -> None:
    """Not in the past (the day, or the day and time when a time is given), at most the window ahead."""
    now = clock()
    today = now.today()
    if day < today:
        raise ValidationFailed({"preferred_date": ["The preferred date is in the past."]})
    if wall is not None and now.at(day, time.fromisoformat(wall)) < now.now():
        raise ValidationFailed({"preferred_time": ["The preferred time is in the past."]})
    window = settings().booking_window_days
    if day > today + timedelta(days=window):
        raise ValidationFailed({"preferred_date": [f"Book at most {window} days ahead."]})


def book(principal: Principal, body: ServiceIn) -> Service:
    """A new `pending` service. The card's version moves in the same transaction, so two bookings on
    one card cannot both read "no free service yet" and both be free: the second is 409."""
    card = _bookable_card(principal, body.card)
    _check_preferred(body.preferred_date, body.preferred_time)
    service_type = free_or_normal(card, body.preferred_date, _free_days(card.id))
    service = Service(service_ids.next(), card=card.id, customer=card.customer, region=card.region,
                      description=body.description, service_type=service_type, visit_type=body.visit_type.lower(),
                      preferred_date=body.preferred_date.isoformat(), preferred_time=body.preferred_time,
                      status="pending", booked_by=principal.user_id)
    service.index_keys()
    txn.run(Counters, [txn.put(service, condition=Service.id.does_not_exist()),
                       txn.update(card, [Card.last_booked_at.set(utcnow())], condition=Card.deleted_at.does_not_exist(),
                                  error=Conflict("The card changed while booking; retry."))])
    return service


def next_steps(service: Service) -> str:
    return NEXT_STEPS.get(service.status, "")


# -- reading -------------------------------------------------------------------------------
def visible(principal: Principal, service_id: int) -> Service:
    """The service if the caller may see it: admins all, its customer, its assigned worker (else 404)."""
    service = find(Service, service_id)
    if service is None or not _sees(principal, service):
        raise NotFound(NOT_FOUND)
    return service


def _sees(principal: Principal, service: Service) -> bool:
    if is_admin(principal):
        return True
    if is_customer(principal):
        return service.customer == principal.user_id
    return is_worker(principal) and service.assigned_to is not None and service.assigned_to == principal.user_id


def of_card(principal: Principal, card_id: int) -> list[Service]:
    """A card's service history as the caller may see it (customer: theirs, worker: assigned to them,
    admin: all), oldest first: one Query on `card-created-index`."""
    return [service for service in Service.card_created_index.query(card_id) if _sees(principal, service)]


def staff_of(service: Service) -> User | None:
    return find(User, service.assigned_to) if service.assigned_to is not None else None


def _key_text(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_range(start: date | None, end: date | None) -> tuple[str, str] | None:
    """`schedule_key` bounds of the services scheduled on the business days `start`..`end` (inclusive);
    None when `end` is before `start` (no day at all: an empty list, not an error)."""
    if start is not None and end is not None and end < start:
        return None
    low = _key_text(clock().day_window(start)[0]) if start else "0"
    high = _key_text(clock().day_window(end)[1]) if end else "9"  # "9" < "~": the unscheduled stay out
    return low, high


PARTITIONS = ("card", "assignee", "customer", "status")  # most selective first
KEYS = {"card": Service.card_key, "assignee": Service.assignee_key, "customer": Service.customer_key,
        "status": Service.status_key}


def list_services(principal: Principal, query: ServiceQuery, page: Window) -> Slice:
    """One Query: on the index of the most selective constraint, the other constraints filtering it."""
    wanted: dict[str, Any] = {}
    if is_customer(principal):
        wanted["customer"] = principal.user_id
    if is_worker(principal):
        if query.assigned_to not in (None, principal.user_id):
            return Slice([], None)
        wanted["assignee"] = principal.user_id
    elif query.assigned_to is not None:
        wanted["assignee"] = query.assigned_to
    if query.card is not None:
        wanted["card"] = query.card
    if query.status is not None:
        wanted["status"] = query.status
    partition = next((name for name in PARTITIONS if name in wanted), "all")
    key = wanted.pop(partition, "service")
    condition = None
    for name, value in wanted.items():
        condition = KEYS[name] == value if condition is None else condition & (KEYS[name] == value)
    dated = query.from_ is not None or query.to is not None
    args: list[Any] = []
    if dated:
        bounds = day_range(query.from_, query.to)
        if bounds is None:
            return Slice([], None)
        between = Service.schedule_key.between(*bounds)
        if query.order == "scheduled":
            args.append(between)
        else:
            condition = between if condition is None else condition & between
    order = "schedule" if query.order == "scheduled" else "created"
    return query_page(Service.list_index(partition, order), key, page, *args, filter_condition=condition)


UPCOMING = ("scheduled", "assigned", "awaiting_otp")
UPCOMING_DAYS = 30


def upcoming(start: date | None, end: date | None, page: Window) -> Slice:
    """Services still to visit, scheduled between `start` (default today) and `end` (default 30 days
    later), in schedule order: one range Query on `all-schedule-index`."""
    start = start or clock().today()
    bounds = day_range(start, end or days_after(start, UPCOMING_DAYS))
    if bounds is None:
        return Slice([], None)
    return query_page(Service.all_schedule_index, "service", page, Service.schedule_key.between(*bounds),
                      filter_condition=Service.status_key.is_in(*UPCOMING))


# -- changes -------------------------------------------------------------------------------
def visit_instant(when: date | datetime, preferred_time: str | None) -> datetime:
    """What a `scheduled_at` sent means: a day alone is that day at the preferred time (else 09:00), a
    naive time is local, an aware one is converted; answered in UTC."""
    if isinstance(when, datetime):
        return when.astimezone(UTC) if when.tzinfo else clock().at(when.date(), when.time())
    return clock().at(when, time.fromisoformat(preferred_time) if preferred_time else DEFAULT_VISIT)


def _check_date(principal: Principal, instant: datetime) -> None:
    """Never in the past; a customer's at most the booking window ahead (an admin plans further)."""
    if instant < clock().now():
        raise ValidationFailed({"scheduled_at": ["The date is in the past."]})
    window = settings().booking_window_days
    if not is_admin(principal) and clock().local_date(instant) > clock().today() + timedelta(days=window):
        raise ValidationFailed({"scheduled_at": [f"Book at most {window} days ahead."]})


def _worker(user_id: int) -> User:
    user = find(User, user_id)
    if user is None or user.role != WORKER:
        raise ValidationFailed({"assigned_to": [f'Invalid pk "{user_id}" - worker does not exist.']})
    return user


def assign(principal: Principal, service_id: int, body: AssignIn) -> Service:
    """An admin names the worker and, optionally, the date (else the date already set, else the
    preferred day and time). A worker marked absent that day is refused (checked in the same
    transaction). Re-assigning a service awaiting its OTP voids that OTP."""
    service = visible(principal, service_id)
    lifecycle.SERVICE.target("assign", service.status)  # 409 before anything else is checked
    worker = _worker(body.assigned_to)
    if body.scheduled_at is not None:
        instant = visit_instant(body.scheduled_at, service.preferred_time)
        _check_date(principal, instant)
    else:
        instant = service.scheduled_at or visit_instant(date.fromisoformat(service.preferred_date),
                                                        service.preferred_time)
    return assign_to(service, worker.id, instant, principal.subject)


def assign_to(service: Service, worker_id: int, instant: datetime, actor: str) -> Service:
    """The `assign` move: the worker and the visit's instant, any pending OTP voided, refused (400 on
    `assigned_to`) when the worker is marked absent that day, in the move's own transaction."""
    changes: dict[str, Any] = {"assigned_to": worker_id, "scheduled_at": instant}
    changes.update(dict.fromkeys(lifecycle.OTP_FIELDS))
    return lifecycle.move(service, "assign", actor, changes,
                          steps=[attendance.not_absent(worker_id, clock().local_date(instant))])


def reschedule(principal: Principal, service_id: int, body: RescheduleIn | Any) -> Service:
    """The owner or an admin moves the visit (a customer within the booking window); the worker stays."""
    service = visible(principal, service_id)
    if is_worker(principal):
        raise Forbidden("Only the customer or an admin can reschedule.")
    lifecycle.SERVICE.target("reschedule", service.status)
    instant = visit_instant(body.scheduled_at, service.preferred_time)
    _check_date(principal, instant)
    steps = [attendance.not_absent(service.assigned_to, clock().local_date(instant))] if service.assigned_to else []
    return lifecycle.move(service, "reschedule", principal.subject, {"scheduled_at": instant}, steps=steps)


def cancel(principal: Principal, service_id: int) -> Service:
    """The owner or an admin cancels any service not completed; a pending OTP dies with it."""
    service = visible(principal, service_id)
    if is_worker(principal):
        raise Forbidden("Only the customer or an admin can cancel.")
    changes: dict[str, Any] = {"cancelled_at": utcnow(), **dict.fromkeys(lifecycle.OTP_FIELDS)}
    return lifecycle.move(service, "cancel", principal.subject, changes)


def update(principal: Principal, service_id: int, body: ServicePatch) -> Service:
    """PATCH: description and visit type (while the service is open), then a reschedule
    (`scheduled_at`) and a cancel (`status: cancelled`) by their own rules. A worker, on a service
    assigned to them, changes only the description and visit type."""
    service = visible(principal, service_id)
    sent = body.model_fields_set
    for name in ("description", "visit_type"):
        if name in sent and getattr(body, name) is None:
            raise ValidationFailed({name: ["This field may not be null."]})
    if is_worker(principal) and sent & {"scheduled_at", "status"}:
        raise Forbidden("A worker can change only the description and visit type.")
    if "scheduled_at" in sent and body.scheduled_at is None:
        raise ValidationFailed({"scheduled_at": ["This field may not be null."]})
    if "status" in sent and body.status is None:
        raise ValidationFailed({"status": ["This field may not be null."]})
    details = {name: getattr(body, name) for name in ("description", "visit_type") if name in sent}
    if "visit_type" in details:
        details["visit_type"] = details["visit_type"].lower()
    details = {name: value for name, value in details.items() if getattr(service, name) != value}
    if details:
        if service.status not in lifecycle.OPEN:
            raise Conflict(f"Cannot change a service that is {service.status}.")
        service.update(actions=[getattr(Service, name).set(value) for name, value in details.items()])
    if "scheduled_at" in sent:
        service = reschedule(principal, service_id, body)
    if body.status == "cancelled":
        service = cancel(principal, service_id)
    return service
