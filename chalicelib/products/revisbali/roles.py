"""RevisBali's roles (the token's groups), apart from the schemas so that services and routes read them
without loading a model (route schemas load on first use: core/lazyschemas.py)."""

from __future__ import annotations

ADMIN, STAFF, AGENT = "admin", "staff", "agent"
ROLES = (ADMIN, STAFF, AGENT)
EVERYONE = frozenset(ROLES)
