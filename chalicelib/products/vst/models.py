"""VST tables, with a GSI for every list (no Scan on a request path).

Users: `all-index` (kind, id) lists everyone, `role-index` (role, id) one role, `phone-index`
(phone) finds the one user of a phone (login, `?phone=`). Phones are stored in E.164.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.clock import Clock
from chalicelib.core.db.attributes import DecimalAttribute
from chalicelib.core.db.base import BaseModel, meta
from chalicelib.core.db.indexes import gsi

PRODUCT = "vst"


class User(BaseModel):
    Meta = meta("users", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="user")
    name = UnicodeAttribute()
    phone = UnicodeAttribute()  # E.164; unique (a guard item in the same transaction)
    role = UnicodeAttribute()
    region = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    tokens_valid_after = UTCDateTimeAttribute(null=True)  # the last password change: older refresh tokens die

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    role_index = gsi("role-index", "role", "id", UnicodeAttribute)
    phone_index = gsi("phone-index", "phone", None, UnicodeAttribute)


class Card(BaseModel):
    """A service card: one purifier installed at a customer's address, with its warranty.

    The index keys (`kind`, `customer_key`, `region_key`, `type_key`) exist while the card is live: a
    soft delete removes them, so the card leaves every list at once, and sets `deleted_at`."""

    Meta = meta("cards", PRODUCT)
    id = NumberAttribute(hash_key=True)
    model = UnicodeAttribute()
    customer = NumberAttribute()
    customer_name = UnicodeAttribute()
    card_type = UnicodeAttribute()
    region = UnicodeAttribute()
    address = UnicodeAttribute()
    city = UnicodeAttribute()
    postal_code = UnicodeAttribute()
    date_of_installation = UnicodeAttribute(null=True)  # ISO dates
    warranty_start_date = UnicodeAttribute(null=True)
    warranty_end_date = UnicodeAttribute(null=True)
    deleted_at = UTCDateTimeAttribute(null=True)
    last_booked_at = UTCDateTimeAttribute(null=True)  # each booking writes it: bookings on a card are serial
    kind = UnicodeAttribute(null=True)
    customer_key = NumberAttribute(null=True)
    region_key = UnicodeAttribute(null=True)  # casefolded: `?region=Madurai` finds "madurai"
    type_key = UnicodeAttribute(null=True)

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    customer_index = gsi("customer-index", "customer_key", "id", NumberAttribute)
    region_index = gsi("region-index", "region_key", "id", UnicodeAttribute)
    type_index = gsi("type-index", "type_key", "id", UnicodeAttribute)

    def live(self) -> None:
        """Set the index keys from the card's values (a live card is in every list it matches)."""
        self.kind, self.customer_key = "card", self.customer
        self.region_key, self.type_key = self.region.casefold(), self.card_type


UNSCHEDULED = "~"  # sorts after every date: services without a date come last in schedule order


def schedule_key(scheduled_at: datetime | None, created_at: datetime, service_id: int) -> str:
    """The schedule order as one sortable string: scheduled_at ascending (none last), then created_at.
    Instants are UTC, so ISO text sorts as time does."""
    when = scheduled_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if scheduled_at else UNSCHEDULED
    return f"{when}#{created_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{service_id:016d}"


# The lists of services: (name, partition attribute). Each is an index twice, in schedule order
# (`<name>-schedule-index`, range `schedule_key`) and in creation order (`<name>-created-index`, range id).
SERVICE_LISTS = (("all", "kind"), ("customer", "customer_key"), ("card", "card_key"),
                 ("assignee", "assignee_key"), ("status", "status_key"))


def _service_indexes() -> dict[str, GlobalSecondaryIndex]:
    types = {"kind": UnicodeAttribute, "status_key": UnicodeAttribute}
    indexes = {}
    for name, attribute in SERVICE_LISTS:
        hash_type = types.get(attribute, NumberAttribute)
        indexes[f"{name}_schedule_index"] = gsi(f"{name}-schedule-index", attribute, "schedule_key", hash_type,
                                                   UnicodeAttribute)
        indexes[f"{name}_created_index"] = gsi(f"{name}-created-index", attribute, "id", hash_type)
    return indexes


class Service(BaseModel):
    """A booking on a card, from `pending` to `completed` or `cancelled` (services/lifecycle.py).

    `customer` is the card's owner at booking and `region` the card's (auto-assign reads it). The OTP
    that completes it is kept only as a keyed hash, with its expiry (core/otp.py). Index keys:
    `kind`, `customer_key`, `card_key`, `status_key` always; `assignee_key` while someone is assigned."""

    Meta = meta("services", PRODUCT)
    id = NumberAttribute(hash_key=True)
    card = NumberAttribute()
    customer = NumberAttribute()
    region = UnicodeAttribute()
    description = UnicodeAttribute()
    service_type = UnicodeAttribute()  # free | normal, decided at booking
    visit_type = UnicodeAttribute()
    preferred_date = UnicodeAttribute()  # ISO date, the business day the customer asked for
    preferred_time = UnicodeAttribute(null=True)  # HH:MM
    status = UnicodeAttribute()
    scheduled_at = UTCDateTimeAttribute(null=True)
    assigned_to = NumberAttribute(null=True)
    booked_by = NumberAttribute()
    otp_hash = UnicodeAttribute(null=True)
    otp_expires_at = UTCDateTimeAttribute(null=True)
    otp_requested_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    cancelled_at = UTCDateTimeAttribute(null=True)
    kind = UnicodeAttribute(default="service")
    customer_key = NumberAttribute()
    card_key = NumberAttribute()
    status_key = UnicodeAttribute()
    assignee_key = NumberAttribute(null=True)
    schedule_key = UnicodeAttribute()

    locals().update(_service_indexes())

    @classmethod
    def list_index(cls, partition: str, order: str) -> GlobalSecondaryIndex:
        """The index of list `partition` (see SERVICE_LISTS) in `order` ("schedule" or "created")."""
        return getattr(cls, f"{partition}_{order}_index")

    def service_date(self, clock: Clock) -> date:
        """The business day of the visit: the scheduled one, else the one asked for."""
        return clock.local_date(self.scheduled_at) if self.scheduled_at else date.fromisoformat(self.preferred_date)

    def index_keys(self) -> None:
        """Set the list keys from the service's values (after any change of status, worker or date)."""
        self.customer_key, self.card_key, self.status_key = self.customer, self.card, self.status
        self.assignee_key = self.assigned_to
        self.schedule_key = schedule_key(self.scheduled_at, self.created_at, self.id)


class ServiceEntry(BaseModel):
    """A work log of a service: what was done, the parts replaced (JSON list of {code, qty, price}),
    the amount charged. The OTP completion writes one in the same transaction as the completion."""

    Meta = meta("service-entries", PRODUCT)
    id = NumberAttribute(hash_key=True)
    service = NumberAttribute()
    work_detail = UnicodeAttribute()
    parts_replaced = UnicodeAttribute(default="[]")  # JSON; prices as exact decimal text
    amount_charged = DecimalAttribute()
    next_service_date = UnicodeAttribute(null=True)
    created_by = NumberAttribute()

    service_index = gsi("service-index", "service", "id", NumberAttribute)


class Feedback(BaseModel):
    """A customer's rating of a completed service: one per service (a guard item in the same
    transaction). `worker` is who did the work, so a worker's list is a Query too."""

    Meta = meta("feedbacks", PRODUCT)
    id = NumberAttribute(hash_key=True)
    service = NumberAttribute()
    customer = NumberAttribute()
    worker = NumberAttribute(null=True)
    rating = NumberAttribute()
    comments = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(default="feedback")

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    customer_index = gsi("customer-index", "customer", "id", NumberAttribute)
    worker_index = gsi("worker-index", "worker", "id", NumberAttribute)
    service_index = gsi("service-index", "service", "id", NumberAttribute)


class Attendance(BaseModel):
    """Whether a worker is present or absent on a business day: one item per worker and day (the key),
    so marking again changes it rather than adding one. `day_user` orders the full list by day."""

    Meta = meta("attendance", PRODUCT)
    key = UnicodeAttribute(hash_key=True)  # "<user>#<YYYY-MM-DD>"
    id = NumberAttribute()
    user = NumberAttribute()
    date = UnicodeAttribute()
    status = UnicodeAttribute()  # present | absent
    marked_by = NumberAttribute()
    kind = UnicodeAttribute(default="attendance")
    day_user = UnicodeAttribute()

    all_index = gsi("all-index", "kind", "day_user", UnicodeAttribute, UnicodeAttribute)
    user_index = gsi("user-index", "user", "date", NumberAttribute, UnicodeAttribute)
    date_index = gsi("date-index", "date", "user", UnicodeAttribute, NumberAttribute)

    @staticmethod
    def key_of(user_id: int, day: date) -> str:
        return f"{user_id}#{day.isoformat()}"


class WarrantyMilestone(Model):
    """A card's free-service milestone (3, 6 or 9 months into its warranty), keyed by the month it
    falls in: a month's warranty report is one Query (services/warranty.py keeps them in step)."""

    Meta = meta("warranty-milestones", PRODUCT)
    month = UnicodeAttribute(hash_key=True)  # YYYY-MM
    card_milestone = UnicodeAttribute(range_key=True)  # "<card id, 16 digits>#<months>"
    card = NumberAttribute()
    months = NumberAttribute()
    due_date = UnicodeAttribute()


MODELS = [User, Card, Service, ServiceEntry, Feedback, Attendance, WarrantyMilestone]
