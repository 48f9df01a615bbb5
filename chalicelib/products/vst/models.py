"""VST tables, with a GSI for every list (no Scan on a request path).

Users: `all-index` (kind, id) lists everyone, `role-index` (role, id) one role, `phone-index`
(phone) finds the one user of a phone (login, `?phone=`). Phones are stored in E.164.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import Attribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.db.base import BaseModel, meta

PRODUCT = "vst"


def _index(name: str, hash_attr: str, range_attr: str | None, hash_type: type[Attribute],
           range_type: type[Attribute] = NumberAttribute) -> GlobalSecondaryIndex:
    """A GSI projecting everything (lists return whole records)."""
    attrs: dict[str, Any] = {
        "Meta": type("Meta", (), {"index_name": name, "projection": AllProjection()}),
        hash_attr: hash_type(hash_key=True),
    }
    if range_attr:
        attrs[range_attr] = range_type(range_key=True)
    return type(f"Index_{name.replace('-', '_')}", (GlobalSecondaryIndex,), attrs)()


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

    all_index = _index("all-index", "kind", "id", UnicodeAttribute)
    role_index = _index("role-index", "role", "id", UnicodeAttribute)
    phone_index = _index("phone-index", "phone", None, UnicodeAttribute)


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
    kind = UnicodeAttribute(null=True)
    customer_key = NumberAttribute(null=True)
    region_key = UnicodeAttribute(null=True)  # casefolded: `?region=Madurai` finds "madurai"
    type_key = UnicodeAttribute(null=True)

    all_index = _index("all-index", "kind", "id", UnicodeAttribute)
    customer_index = _index("customer-index", "customer_key", "id", NumberAttribute)
    region_index = _index("region-index", "region_key", "id", UnicodeAttribute)
    type_index = _index("type-index", "type_key", "id", UnicodeAttribute)

    def live(self) -> None:
        """Set the index keys from the card's values (a live card is in every list it matches)."""
        self.kind, self.customer_key = "card", self.customer
        self.region_key, self.type_key = self.region.casefold(), self.card_type


MODELS = [User, Card]
