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


MODELS = [User]
