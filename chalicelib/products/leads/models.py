"""Leads tables, with a GSI for every list (no Scan on a request path).

Users: `all-index` (kind, id) lists everyone, `role-index` (role, id) one role (a manager's list: the
sales users; random assignment: the active ones). A username finds its user through its guard item
(services/users.py), a strongly consistent read, so no index is needed for the login.

Customers (leads, UUID ids) are listed newest first (`created_key`: the creation instant and the id,
so the order is total). Four indexes, one Query per page whatever the caller asks: everyone
(`kind`), one status (`status`), one sales user's (`assignee_key`, 0 for none) and one sales user's in
one status (`assignee_status`: `<user id>#<status>`).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.core.db.base import BaseModel, meta
from chalicelib.core.db.indexes import gsi

PRODUCT = "leads"
UNASSIGNED = 0  # the assignee_key of a lead nobody is assigned


class User(BaseModel):
    Meta = meta("users", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="user")
    username = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    role = UnicodeAttribute()
    is_active = NumberAttribute(default=1)
    password_hash = UnicodeAttribute()
    tokens_valid_after = UTCDateTimeAttribute(null=True)  # the last password change or deactivation

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    role_index = gsi("role-index", "role", "id", UnicodeAttribute)


class Customer(BaseModel):
    """A lead: who (name, phone, area), the day it came in, its status and its sales user."""

    Meta = meta("customers", PRODUCT)
    id = UnicodeAttribute(hash_key=True)  # a UUID (the spec's <uuid:customer_id>)
    kind = UnicodeAttribute(default="customer")
    name = UnicodeAttribute()
    phone_number = UnicodeAttribute()  # E.164, unique (a guard item in the creating transaction)
    area = UnicodeAttribute(default="")
    date = UnicodeAttribute(null=True)  # YYYY-MM-DD: the day the lead came in
    status = UnicodeAttribute(default="NEW")
    assigned_to = NumberAttribute(null=True)  # a sales user's id
    assignee_key = NumberAttribute(default=UNASSIGNED)
    assignee_status = UnicodeAttribute(default="")
    created_key = UnicodeAttribute(default="")  # `<created_at ISO>#<id>`: newest-first order, total
    import_job = UnicodeAttribute(null=True)  # the import that created the lead (imports.py), and its row
    import_row = NumberAttribute(null=True)

    all_index = gsi("all-index", "kind", "created_key", UnicodeAttribute, UnicodeAttribute)
    status_index = gsi("status-index", "status", "created_key", UnicodeAttribute, UnicodeAttribute)
    assignee_index = gsi("assignee-index", "assignee_key", "created_key", NumberAttribute, UnicodeAttribute)
    assignee_status_index = gsi("assignee-status-index", "assignee_status", "created_key", UnicodeAttribute,
                                UnicodeAttribute)

    def keyed(self) -> None:
        """Set the index keys from the record's values."""
        self.assignee_key = self.assigned_to if self.assigned_to is not None else UNASSIGNED
        self.assignee_status = f"{self.assignee_key}#{self.status}"
        if not self.created_key:
            self.created_key = f"{self.created_at.isoformat()}#{self.id}"


MODELS = [User, Customer]
