"""What a product hands the platform: its routes, tables, queues, schedules, workers and defaults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

from pynamodb.models import Model

from chalicelib.core.api import Api
from chalicelib.core.auth.lifetimes import ACCESS_MINUTES, REFRESH_MINUTES
from chalicelib.core.config import SettingsSource
from chalicelib.core.records import Record


class QueueSpec(Record, frozen=True):
    """A queue the product uses (with its DLQ): infra/ declares it and the embedded stack creates it.
    The name is the stage's (`Settings.queue_name(key)`)."""

    key: str  # "uploads" (bucket notifications), "otp", "assignment", ...
    visibility_timeout: int = 120  # seconds; longer than its worker's Lambda timeout
    max_receive_count: int = 3  # deliveries before a message is parked in the DLQ


class ScheduleSpec(Record, frozen=True):
    """A scheduled Lambda: an EventBridge rule in AWS, the embedded runner's timer locally.

    `handler()` runs with the product's settings current and the invocation's Lambda request id as
    the correlation id of its log lines; its return value is the Lambda's result."""

    name: str  # the Lambda function's name (and app.py's module-level handler name)
    expression: str  # "cron(30 2 * * ? *)" or "rate(5 minutes)", UTC as EventBridge reads it
    handler: Callable[[], Any]
    description: str = ""


class Product(Record):
    slug: str
    api: Api
    models: list[type[Model]]
    roles: tuple[str, ...]
    admin_role: str
    access_ttl_minutes: int = ACCESS_MINUTES
    refresh_ttl_minutes: int = REFRESH_MINUTES
    register_workers: Callable[[Any], None] | None = None
    # seed_admin(password, reset=False): the first admin; reset=True (the deployed stage's bootstrap)
    # gives an existing one the new password. Idempotent either way.
    seed_admin: Callable[..., Any] | None = None
    admin_login: str = "username 'admin'"  # how the seeded admin logs in (printed by the embedded stack)
    queues: tuple[QueueSpec, ...] = ()  # only the queues the product uses
    schedules: tuple[ScheduleSpec, ...] = ()
    # a refresh token's claims -> the current Principal, or None if gone (core.auth.flows.AuthFlows.resolve)
    resolve_user: Callable[[dict[str, Any]], Any] | None = None
    # what the app was built with (create_app): an instance, or the environment's, re-read after a reset
    settings: SettingsSource | None = field(default=None, repr=False)

    def queue(self, key: str) -> QueueSpec | None:
        return next((spec for spec in self.queues if spec.key == key), None)
