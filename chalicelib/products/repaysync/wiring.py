"""Builds the RepaySync Product: its routes, tables, roles, workers and seed."""

from __future__ import annotations

from functools import cache

from chalicelib.core.product import Product


@cache
def build() -> Product:
    from chalicelib.core.audit import audit_model
    from chalicelib.core.auth.store import login_attempts_model, revocation_model
    from chalicelib.core.db.unique import unique_model
    from chalicelib.core.jobs.model import job_model
    from chalicelib.products.repaysync import auth, clock, routes, services, workers
    from chalicelib.products.repaysync.models import MODELS, PRODUCT
    from chalicelib.products.repaysync.roles import ROLES

    clock.clock()  # an unknown CRM_TIME_ZONE stops the start with a clear message
    routes.register_imports()
    return Product(
        slug=PRODUCT, api=routes.api,
        models=[services.Counters, unique_model(PRODUCT), revocation_model(PRODUCT), login_attempts_model(PRODUCT),
                audit_model(PRODUCT), job_model(PRODUCT), *MODELS],
        roles=ROLES, admin_role="admin",
        register_workers=workers.register_workers, seed_admin=services.seed_admin,
        queues=workers.QUEUES, schedules=workers.SCHEDULES, resolve_user=auth.flows().resolve)
