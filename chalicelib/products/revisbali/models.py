"""RevisBali tables, with a GSI for every list (no Scan on a request path).

Users: `all-index` (kind, id) lists everyone, `role-index` (role, id) one role, `email-index`
(email_key) finds the one user of an address (login). Countries: `all-index` (kind, code) in ISO order.
Customers are listed in three orders (creation, first name, last name), each for everyone (`kind`) and
for one agent (`agent_key`, 0 for none): six indexes, one Query per page whatever the caller asks.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.core.db.attributes import DecimalAttribute
from chalicelib.core.db.base import BaseModel, meta
from chalicelib.core.db.indexes import gsi

PRODUCT = "revisbali"
NO_AGENT = 0  # the agent_key of a customer no agent looks after


class User(BaseModel):
    Meta = meta("users", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="user")
    email = UnicodeAttribute()
    email_key = UnicodeAttribute()  # lower-cased: logins and uniqueness ignore case
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    role = UnicodeAttribute()
    is_active = NumberAttribute(default=1)
    password_hash = UnicodeAttribute()
    tokens_valid_after = UTCDateTimeAttribute(null=True)  # the last password change: older refresh tokens die

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    role_index = gsi("role-index", "role", "id", UnicodeAttribute)
    email_index = gsi("email-index", "email_key", None, UnicodeAttribute)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


class Country(BaseModel):
    """Reference data: ISO 3166-1 countries, seeded with the stage (services/countries.py)."""

    Meta = meta("countries", PRODUCT)
    id = NumberAttribute(hash_key=True)  # ISO 3166-1 numeric code
    kind = UnicodeAttribute(default="country")
    code = UnicodeAttribute()  # alpha-2
    name = UnicodeAttribute()

    all_index = gsi("all-index", "kind", "code", UnicodeAttribute, UnicodeAttribute)


def name_key(name: str, record_id: int) -> str:
    """A name as one sortable string, unique per record: `doe#000000000042`."""
    return f"{name.casefold()}#{record_id:012d}"


class Customer(BaseModel):
    Meta = meta("customers", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="customer")
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    email = UnicodeAttribute()  # unique case-insensitively (a guard item in the same transaction)
    phone_number = UnicodeAttribute(null=True)
    customer_type = UnicodeAttribute()
    country_id = NumberAttribute()
    agent_id = NumberAttribute(null=True)
    agent_key = NumberAttribute(default=NO_AGENT)
    first_key = UnicodeAttribute(default="")
    last_key = UnicodeAttribute(default="")
    # bumped (with the version) by every application or invoice created for the customer, in that
    # record's transaction: a delete or an agent change that read the customer before then is refused
    records = NumberAttribute(default=0)

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    all_first_index = gsi("all-first-index", "kind", "first_key", UnicodeAttribute, UnicodeAttribute)
    all_last_index = gsi("all-last-index", "kind", "last_key", UnicodeAttribute, UnicodeAttribute)
    agent_index = gsi("agent-index", "agent_key", "id", NumberAttribute)
    agent_first_index = gsi("agent-first-index", "agent_key", "first_key", NumberAttribute, UnicodeAttribute)
    agent_last_index = gsi("agent-last-index", "agent_key", "last_key", NumberAttribute, UnicodeAttribute)

    def keyed(self) -> None:
        """Set the index keys from the record's values."""
        self.agent_key = self.agent_id if self.agent_id is not None else NO_AGENT
        self.first_key, self.last_key = name_key(self.first_name, self.id), name_key(self.last_name, self.id)


def agent_status_key(agent_key: int, status: str) -> str:
    """One agent's records in one status as one partition key: `7#draft`."""
    return f"{agent_key}#{status}"


class Application(BaseModel):
    """A customer's application (a visa, a permit), numbered APP-<year>-<id>, created `draft`.

    `agent_key` is the customer's agent (0 for none), copied so an agent's list is one Query; it
    follows the customer when the customer's agent changes (services/customer_records.py)."""

    Meta = meta("applications", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="application")
    application_number = UnicodeAttribute()
    customer_id = NumberAttribute()
    application_type = UnicodeAttribute()
    visa_type = UnicodeAttribute(null=True)
    duration = NumberAttribute(null=True)
    purpose = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="draft")
    agent_key = NumberAttribute(default=NO_AGENT)
    agent_status = UnicodeAttribute(default="")

    customer_index = gsi("customer-index", "customer_id", "id", NumberAttribute)
    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    status_index = gsi("status-index", "status", "id", UnicodeAttribute)
    agent_index = gsi("agent-index", "agent_key", "id", NumberAttribute)
    agent_status_index = gsi("agent-status-index", "agent_status", "id", UnicodeAttribute)

    def keyed(self) -> None:
        """Set the index keys from the record's agent and status."""
        self.agent_status = agent_status_key(self.agent_key, self.status)


class LineItem(MapAttribute):  # type: ignore[type-arg]
    """One line of an invoice: `total` is quantity x price, kept as computed."""

    id = NumberAttribute()
    description = UnicodeAttribute()
    quantity = NumberAttribute()
    price = DecimalAttribute()
    total = DecimalAttribute()


OPEN_INVOICE = "open"  # the due-index key of an invoice still to be paid (unpaid or partially paid)


class Invoice(BaseModel):
    """A customer's invoice for an application, numbered INV-<year>-<id>; money is Decimal.

    `open_key` is set only while the invoice is unpaid or partially paid (a sparse index): the daily
    overdue run reads the open invoices past their due date with one Query on `due-index`."""

    Meta = meta("invoices", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="invoice")
    invoice_number = UnicodeAttribute()
    customer_id = NumberAttribute()
    application_id = NumberAttribute()
    line_items = ListAttribute(of=LineItem)
    tax_rate = DecimalAttribute()
    subtotal = DecimalAttribute()
    tax = DecimalAttribute()
    total = DecimalAttribute()
    amount_paid = DecimalAttribute()
    balance_due = DecimalAttribute()
    status = UnicodeAttribute(default="unpaid")
    due_date = UnicodeAttribute()  # the business date (YYYY-MM-DD) by which it is to be paid
    agent_key = NumberAttribute(default=NO_AGENT)
    agent_status = UnicodeAttribute(default="")
    open_key = UnicodeAttribute(null=True)

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    status_index = gsi("status-index", "status", "id", UnicodeAttribute)
    agent_index = gsi("agent-index", "agent_key", "id", NumberAttribute)
    agent_status_index = gsi("agent-status-index", "agent_status", "id", UnicodeAttribute)
    customer_index = gsi("customer-index", "customer_id", "id", NumberAttribute)
    application_index = gsi("application-index", "application_id", "id", NumberAttribute)
    due_index = gsi("due-index", "open_key", "due_date", UnicodeAttribute, UnicodeAttribute)

    def keyed(self) -> None:
        self.agent_status = agent_status_key(self.agent_key, self.status)
        self.open_key = OPEN_INVOICE if self.status in ("unpaid", "partially_paid") else None


class Payment(BaseModel):
    """A payment against an invoice, written in the transaction that changes the invoice's balance."""

    Meta = meta("payments", PRODUCT)
    id = NumberAttribute(hash_key=True)
    invoice_id = NumberAttribute()
    amount = DecimalAttribute()
    payment_date = UnicodeAttribute()  # YYYY-MM-DD
    payment_method = UnicodeAttribute()
    reference = UnicodeAttribute(null=True)
    recorded_by = NumberAttribute(null=True)

    invoice_index = gsi("invoice-index", "invoice_id", "id", NumberAttribute)


MODELS = [User, Country, Customer, Application, Invoice, Payment]
