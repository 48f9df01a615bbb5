"""What a product hands the platform: its routes, tables, workers and defaults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.models import Model

from chalicelib.core.api import Api


@dataclass
class Product:
    slug: str
    api: Api
    models: list[type[Model]]
    roles: tuple[str, ...]
    admin_role: str
    access_ttl_minutes: int = 60
    refresh_ttl_minutes: int = 24 * 60
    register_workers: Callable[[Any], None] | None = None
    # seed_admin(password, reset=False): the first admin; reset=True (the deployed stage's bootstrap)
    # gives an existing one the new password. Idempotent either way.
    seed_admin: Callable[..., Any] | None = None
    schedules: dict[str, str] = field(default_factory=dict)  # handler name -> rate/cron expression
    # a refresh token's claims -> the current Principal, or None if gone (core.auth.flows.AuthFlows.resolve)
    resolve_user: Callable[[dict[str, Any]], Any] | None = None
