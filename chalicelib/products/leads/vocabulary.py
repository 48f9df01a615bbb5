"""Leads' roles and statuses: the words the schemas, services and routes share, apart from the schemas so
that reading them loads no model (route schemas load on first use: core/lazyschemas.py)."""

from __future__ import annotations

ADMIN, MANAGER, SALES = "admin", "manager", "sales"
ROLES = (ADMIN, MANAGER, SALES)
EVERYONE = frozenset(ROLES)
MANAGERS = frozenset({ADMIN, MANAGER})

# The fixed status set (the spec's and Django's original choices), with what a person reads.
STATUS_DISPLAY = {
    "NEW": "New", "VALID": "Valid", "INVALID": "Invalid", "INTERESTED": "Interested",
    "NOT_INTERESTED": "Not Interested", "FOLLOW_UP": "Follow Up", "CONVERTED": "Converted",
}
