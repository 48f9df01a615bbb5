"""One product in the embedded stack: its app, tables and queues, admin, HTTP server and workers.

A process hosts at most one product, because settings (table names, queue names) are read once
per process from CRM_PRODUCT, as they are in Lambda. `AWS_ENDPOINT_URL` must point at the
emulation before this module builds anything.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable
from typing import Any

from local.events import (
    QueueRunner,
    Timing,
    lambda_context,
    schedule_expressions,
    scheduled_event,
    sqs_bindings,
)
from local.schedules import Schedule, Scheduler, UnsupportedSchedule

ADMIN_USERNAME = "admin"
DEFAULT_ADMIN_PASSWORD = "admin12345"


def admin_password() -> str:
    return os.environ.get("CRM_ADMIN_PASSWORD") or DEFAULT_ADMIN_PASSWORD


class UnknownSchedule(LookupError):
    pass


class ProductHost:
    def __init__(self, slug: str, say: Callable[[str], None]) -> None:
        if os.environ.get("CRM_PRODUCT", slug) != slug:
            raise RuntimeError(f"this process serves {os.environ['CRM_PRODUCT']}, not {slug}")
        os.environ["CRM_PRODUCT"] = slug
        self.slug = slug
        self._say = say
        self.app: Any = None
        self.http: Any = None
        self.admin: str | None = None
        self.runners: list[QueueRunner] = []
        self.scheduler: Scheduler | None = None
        self._fire_lock = threading.Lock()

    def say(self, text: str) -> None:
        self._say(f"[{self.slug}] {text}")

    # -- start-up ---------------------------------------------------------------------------

    def build(self) -> None:
        """Create the app, its tables, bucket and queues, and the admin (all idempotent)."""
        from chalicelib.core.app_factory import create_app
        from chalicelib.core.db.tables import ensure_tables
        from local.gateway import install
        from local.resources import create_buckets_and_queues, create_signing_key_secret

        install()
        self.app = create_app(self.slug)
        product = self.app.crm_product
        ensure_tables(product.models)
        create_buckets_and_queues(product)
        create_signing_key_secret()
        if product.seed_admin is not None:
            product.seed_admin(admin_password())
            self.admin = product.admin_login
        else:
            self.say("this product has no seed_admin yet: no admin user was created")

    def serve(self, host: str, port: int) -> None:
        from local.server import HttpServer

        self.http = HttpServer(self.app, self.slug, host, port)
        self.http.start()

    def start_workers(self, timing: Timing | None = None) -> None:
        from chalicelib.core import aws
        from chalicelib.core.config import get_settings

        timing = timing or Timing.from_env()
        region = get_settings().region
        for binding in sqs_bindings(self.app):
            runner = QueueRunner(self.app, binding, aws.sqs(), region, timing, self.say)
            runner.start()
            self.runners.append(runner)
        schedules = []
        for name, expression in schedule_expressions(self.app).items():
            try:
                schedules.append(Schedule.parse(name, expression))
            except UnsupportedSchedule as exc:
                self.say(f"schedule {name} ({expression}) runs only when fired by hand: {exc}")
        if schedules:
            self.scheduler = Scheduler(schedules, self.fire)
            self.scheduler.start()

    def describe(self) -> list[str]:
        lines = []
        if self.http is not None:
            lines.append(f"API      http://{self.http.host}:{self.http.port}/")
        if self.admin:
            lines.append(f"admin    {self.admin}, password {admin_password()!r}")
        for runner in self.runners:
            lines.append(f"worker   {runner.binding.handler_name} <- SQS {runner.binding.queue}")
        for name, expression in schedule_expressions(self.app).items():
            lines.append(f"schedule {name} {expression}  (fire now: make schedule NAME={name})")
        return lines

    # -- events -----------------------------------------------------------------------------

    def schedule_names(self) -> list[str]:
        return sorted(schedule_expressions(self.app))

    def fire(self, name: str) -> Any:
        """Run schedule handler `name` now with a Scheduled Event; raises what the handler raises."""
        from chalicelib.core.config import get_settings

        if name not in schedule_expressions(self.app):
            known = ", ".join(self.schedule_names()) or "none"
            raise UnknownSchedule(f"{self.slug} has no schedule {name!r} (known: {known})")
        with self._fire_lock:
            self.say(f"schedule {name}: running")
            try:
                result = self.app.handler_map[name](scheduled_event(name, get_settings().region),
                                                     lambda_context(name))
            except Exception:
                self.say(f"schedule {name}: failed\n{traceback.format_exc().rstrip()}")
                raise
            self.say(f"schedule {name}: done")
            return result

    # -- shut-down --------------------------------------------------------------------------

    def stop_http(self) -> None:
        if self.http is not None:
            self.http.stop()

    def stop_workers(self, timeout: float = 10.0) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        for runner in self.runners:
            runner.stop()
        for runner in self.runners:
            runner.join(timeout)
        if self.scheduler is not None:
            self.scheduler.join(timeout)
