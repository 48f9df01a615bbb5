"""Data-driven permissions: a role's rights read from a table through a short per-process cache.

A product whose roles are data (an admin may create `accountant` with only bill permissions) declares
each route's permission name (`@api.route(..., permission="bills.view")`) and gives its Api
`permissions=RoleRights(load).allows`. The token names the caller's roles (`cognito:groups`); the
rights of a role are `load(role)` (None: no such role, so no rights), kept `ttl_seconds` per process,
so a change made in another Lambda reaches every request within that time without a redeploy. A
writer in this process calls `forget(role)` and sees its change at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from chalicelib.core.auth.principal import Principal

Loader = Callable[[str], Iterable[str] | None]
MAX_TTL_SECONDS = 60.0


class RoleRights:
    """role name -> permission names, cached per process for at most a minute."""

    def __init__(self, load: Loader, *, ttl_seconds: float = MAX_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not 0 <= ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"a role's rights may be cached for at most {MAX_TTL_SECONDS:.0f} s")
        self.load = load
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def of(self, role: str) -> frozenset[str]:
        """The permissions of `role` now (read again once its cached copy is older than the TTL)."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(role)
        if cached is not None and now - cached[0] < self.ttl_seconds:
            return cached[1]
        rights = frozenset(self.load(role) or ())
        with self._lock:
            self._cache[role] = (now, rights)
        return rights

    def allows(self, principal: Principal, permission: str) -> bool:
        """Whether any of the caller's roles holds `permission` (core.api's PermissionCheck)."""
        return any(permission in self.of(role) for role in sorted(principal.roles))

    def forget(self, role: str | None = None) -> None:
        """Drop `role`'s cached rights (every role's with None): the next check reads the table."""
        with self._lock:
            if role is None:
                self._cache.clear()
            else:
                self._cache.pop(role, None)
