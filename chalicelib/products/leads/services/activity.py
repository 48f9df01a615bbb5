"""A sales user's recent activity: what happened to the leads they hold, newest first.

One item per event in the `activity` table, partitioned by the user who held the lead (`holder`),
sorted by when (`at_key`: the instant, the lead, its version), written in the same transaction as the
status change or the assignment it records, so the sales dashboard reads its list with one Query and
never misses or invents an event. A lead nobody holds has no activity list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.core.db import txn
from chalicelib.core.db.base import meta, utcnow
from chalicelib.products.leads.models import PRODUCT, Customer

STATUS, ASSIGNED = "status", "assigned"


class Activity(Model):
    Meta = meta("activity", PRODUCT)
    holder = NumberAttribute(hash_key=True)  # the sales user who held the lead
    at_key = UnicodeAttribute(range_key=True)  # `<at ISO>#<lead id>#<version>`: newest last, unique
    kind = UnicodeAttribute()  # "status" or "assigned"
    customer_id = UnicodeAttribute()
    customer_name = UnicodeAttribute()
    previous_status = UnicodeAttribute(null=True)
    new_status = UnicodeAttribute(null=True)
    actor = UnicodeAttribute()
    notes = UnicodeAttribute(default="")
    at = UTCDateTimeAttribute(default=utcnow)


def _entry(holder: int | None, customer: Customer, version: int, kind: str, actor: str, at: datetime | None,
           **fields: Any) -> list[txn.Step]:
    if not holder:
        return []
    at = at or utcnow()
    item = Activity(int(holder), f"{at.isoformat()}#{customer.id}#{version}", kind=kind, customer_id=customer.id,
                    customer_name=customer.name, actor=actor, at=at, **fields)
    return [txn.put(item)]


def status_entry(customer: Customer, before: str, after: str, actor: str, notes: str | None = None,
                 at: datetime | None = None) -> list[txn.Step]:
    """The step recording a status change of a held lead (none for a lead nobody holds)."""
    return _entry(customer.assigned_to, customer, int(customer.version or 0) + 1, STATUS, actor, at,
                  previous_status=before, new_status=after, notes=notes or "")


def assigned_entry(customer: Customer, user_id: int, actor: str, at: datetime | None = None) -> list[txn.Step]:
    """The step recording that the lead now belongs to `user_id`."""
    return _entry(user_id, customer, int(customer.version or 0) + 1, ASSIGNED, actor, at,
                  new_status=customer.status)


def recent(user_id: int, limit: int = 10) -> list[Activity]:
    """The user's latest events, newest first (one Query)."""
    return list(Activity.query(user_id, scan_index_forward=False, limit=limit))
