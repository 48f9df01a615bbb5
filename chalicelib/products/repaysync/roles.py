"""RepaySync's roles (the token's groups), apart from the schemas so that wiring and services read them
without loading any model."""

from __future__ import annotations

ADMIN, MANAGER, OFFICER, AGENT = "admin", "manager", "collection_officer", "calling_agent"
ROLES = (AGENT, OFFICER, MANAGER, ADMIN)
PUBLIC_ROLES = frozenset({AGENT, OFFICER})  # may register without an admin's token
