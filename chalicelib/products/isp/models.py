"""ISP tables, with a GSI for every list (no Scan on a request path).

Roles: `all-index` (kind, id) lists them, `name-index` finds one by name (the permission cache, assign
by name). Users: `all-index` (kind, id), `role-index` (role id, id) one role's users, `email-index`
(lower-cased e-mail) the login. Prospects and customers: `all-index`, `sales-index` (the sales
person's own), `status-index`; prospects `source-index`, customers `email-index` (imports match on it).
Bills: `all-index`, `customer-index`, `status-index`, `day-index` (one billing date), and
`dated-index` / `customer-dated-index` for billing-date order.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.core.db.attributes import DecimalAttribute
from chalicelib.core.db.base import BaseModel, meta
from chalicelib.core.db.indexes import gsi

PRODUCT = "isp"


class Role(BaseModel):
    """A role and the permission names it grants. Built-in roles are never renamed or deleted."""

    Meta = meta("roles", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="role")
    name = UnicodeAttribute()  # unique (a guard item); never changes: tokens name roles by it
    description = UnicodeAttribute(default="")
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    builtin = BooleanAttribute(default=False)

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    name_index = gsi("name-index", "name", None, UnicodeAttribute)


class User(BaseModel):
    Meta = meta("users", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="user")
    email = UnicodeAttribute()  # as sent (domain lower-cased); unique case-insensitively (a guard item)
    email_key = UnicodeAttribute()  # lower-cased: the login
    username = UnicodeAttribute()  # unique case-insensitively (a guard item)
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    role = NumberAttribute()
    role_name = UnicodeAttribute()  # the role's name, which tokens carry (role names never change)
    is_active = BooleanAttribute(default=True)
    password_hash = UnicodeAttribute()
    tokens_valid_after = UTCDateTimeAttribute(null=True)  # refresh tokens issued before are refused

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    role_index = gsi("role-index", "role", "id", NumberAttribute)
    email_index = gsi("email-index", "email_key", None, UnicodeAttribute)


class Prospect(BaseModel):
    """A possible customer, owned by the sales person who works it."""

    Meta = meta("prospects", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="prospect")
    name = UnicodeAttribute()
    company_name = UnicodeAttribute(default="")
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(default="")
    address = UnicodeAttribute(default="")
    potential_revenue = DecimalAttribute(null=True)
    contact_person = UnicodeAttribute(default="")
    source = UnicodeAttribute()
    follow_up_date = UnicodeAttribute(null=True)  # ISO date
    notes = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="new")
    sales_person = NumberAttribute()
    customer = NumberAttribute(null=True)  # the customer it became

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    sales_index = gsi("sales-index", "sales_person", "id", NumberAttribute)
    status_index = gsi("status-index", "status", "id", UnicodeAttribute)
    source_index = gsi("source-index", "source", "id", UnicodeAttribute)


class Customer(BaseModel):
    """A customer; `email` is unique case-insensitively (imports match on it)."""

    Meta = meta("customers", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="customer")
    name = UnicodeAttribute()
    company_name = UnicodeAttribute(default="")
    email = UnicodeAttribute()
    email_key = UnicodeAttribute()
    phone = UnicodeAttribute(default="")
    address = UnicodeAttribute(default="")
    monthly_revenue = DecimalAttribute(null=True)
    potential_revenue = DecimalAttribute(null=True)
    status = UnicodeAttribute(default="Active")
    assigned_sales_person = NumberAttribute(null=True)
    sales_key = NumberAttribute(null=True)  # assigned_sales_person, or 0 for nobody (an index key)
    join_date = UnicodeAttribute()  # ISO date: created, or the prospect's conversion
    leave_date = UnicodeAttribute(null=True)  # ISO date it became Inactive
    prospect = NumberAttribute(null=True)  # the prospect it came from
    import_row = UnicodeAttribute(null=True)  # "<job id>#<row>" of the import row that created it

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    sales_index = gsi("sales-index", "sales_key", "id", NumberAttribute)
    status_index = gsi("status-index", "status", "id", UnicodeAttribute)
    email_index = gsi("email-index", "email_key", None, UnicodeAttribute)


class Bill(BaseModel):
    """A customer's bill (the spec's BillRecord). Each `<item>_price` is the amount charged for that
    line's quantity; the totals are computed by the server (services.bills)."""

    Meta = meta("bills", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="bill")
    customer = NumberAttribute()
    nttn_cap = UnicodeAttribute(default="")
    nttn_com = UnicodeAttribute(default="")
    billing_date = UnicodeAttribute()  # ISO date
    date_key = UnicodeAttribute()  # "<billing_date>#<id, 16 digits>": lists in billing-date order
    iig_qt = DecimalAttribute()
    iig_qt_price = DecimalAttribute()
    fna = DecimalAttribute()
    fna_price = DecimalAttribute()
    ggc = DecimalAttribute()
    ggc_price = DecimalAttribute()
    discount = DecimalAttribute()
    total_bill = DecimalAttribute()
    total_received = DecimalAttribute()
    total_due = DecimalAttribute()
    status = UnicodeAttribute(default="Active")
    remarks = UnicodeAttribute(default="")

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    customer_index = gsi("customer-index", "customer", "id", NumberAttribute)
    status_index = gsi("status-index", "status", "id", UnicodeAttribute)
    day_index = gsi("day-index", "billing_date", "id", UnicodeAttribute)
    dated_index = gsi("dated-index", "kind", "date_key", UnicodeAttribute, UnicodeAttribute)
    customer_dated_index = gsi("customer-dated-index", "customer", "date_key", NumberAttribute, UnicodeAttribute)


MODELS: list[type[BaseModel]] = [Role, User, Prospect, Customer, Bill]
