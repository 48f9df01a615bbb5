"""RepaySync tables: users, customers, loans and interactions, with a GSI for every list.

"All of X" lists use a sparse GSI on a constant `kind` attribute ordered by id, so they are a Query
(never a Scan). Money is stored as a DynamoDB number written from the Decimal's exact text.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.core.db.attributes import DecimalAttribute
from chalicelib.core.db.base import BaseModel, meta, utcnow
from chalicelib.core.db.indexes import gsi

PRODUCT = "repaysync"


class User(BaseModel):
    Meta = meta("users", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="user")
    username = UnicodeAttribute()
    username_key = UnicodeAttribute()  # lower-cased: logins ignore case, as the unique guard does
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    manager = NumberAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    tokens_valid_after = UTCDateTimeAttribute(null=True)  # the last password change: older refresh tokens die

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    username_index = gsi("username-index", "username_key", None, UnicodeAttribute)


class Customer(BaseModel):
    Meta = meta("customers", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="customer")
    customer_code = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    assigned_collection_officer = NumberAttribute(null=True)
    address_line_1 = UnicodeAttribute()
    address_line_2 = UnicodeAttribute(null=True)
    city = UnicodeAttribute()
    state = UnicodeAttribute()
    pincode = UnicodeAttribute()
    date_of_birth = UnicodeAttribute(null=True)  # ISO date

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    officer_index = gsi("officer-index", "assigned_collection_officer", "id", NumberAttribute)


class Loan(BaseModel):
    Meta = meta("loans", PRODUCT)
    id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(default="loan")
    loan_account_number = UnicodeAttribute()
    principal_amount = DecimalAttribute()
    interest_rate = DecimalAttribute()
    loan_type = UnicodeAttribute()
    tenure_months = NumberAttribute()
    loan_date = UnicodeAttribute()  # ISO date
    customer = NumberAttribute()
    officer = NumberAttribute(null=True)  # the customer's officer, copied for the officer's list

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)
    customer_index = gsi("customer-index", "customer", "id", NumberAttribute)
    officer_index = gsi("officer-index", "officer", "id", NumberAttribute)


class Interaction(BaseModel):
    Meta = meta("interactions", PRODUCT)
    id = NumberAttribute(hash_key=True)
    loan = NumberAttribute()
    loan_kind = UnicodeAttribute()  # "<loan>#<interaction_type>": one Query per loan and type
    interaction_type = UnicodeAttribute()
    comment = UnicodeAttribute(default="")
    disposition = UnicodeAttribute()
    timestamp = UTCDateTimeAttribute(default=utcnow)
    next_call_date = UnicodeAttribute(null=True)  # ISO date; sparse key of the follow-up index
    created_by = NumberAttribute(null=True)

    loan_index = gsi("loan-kind-index", "loan_kind", "id", UnicodeAttribute)
    followup_index = gsi("followup-index", "next_call_date", "id", UnicodeAttribute)


def loan_kind(loan: int, interaction_type: str) -> str:
    return f"{loan}#{interaction_type}"


MODELS = [User, Customer, Loan, Interaction]
