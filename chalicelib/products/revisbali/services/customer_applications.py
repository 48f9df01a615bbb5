"""A customer's applications as read by the customer's own detail and delete (one Query on
`customer-index`); kept apart from services/applications.py, which needs the customers' scoping."""

from __future__ import annotations

from chalicelib.products.revisbali.models import Application


def of_customer(customer_id: int) -> list[Application]:
    """A customer's applications, oldest first (a customer holds a handful)."""
    return list(Application.customer_index.query(customer_id))


def has_any(customer_id: int) -> bool:
    return bool(list(Application.customer_index.query(customer_id, limit=1)))
