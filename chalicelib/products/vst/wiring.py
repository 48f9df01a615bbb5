"""Builds the VST Product: its routes, tables, roles, queues, schedules and seed."""

from __future__ import annotations

from functools import cache

from chalicelib.core.product import Product


@cache
def build() -> Product:
    from chalicelib.core.auth.store import login_attempts_model, revocation_model
    from chalicelib.core.jobs.model import job_model
    from chalicelib.products.vst import auth, clock, routes, workers
    from chalicelib.products.vst.models import MODELS, PRODUCT
    from chalicelib.products.vst.services import users
    from chalicelib.products.vst.services.cards import CardSearch
    from chalicelib.products.vst.services.common import ROLES, Counters, Guards
    from chalicelib.products.vst.services.lifecycle import History

    clock.clock()  # an unknown CRM_TIME_ZONE stops the start with a clear message
    return Product(
        slug=PRODUCT, api=routes.api,
        models=[Counters, Guards, revocation_model(PRODUCT), login_attempts_model(PRODUCT), CardSearch,
                History, job_model(PRODUCT), *MODELS],
        roles=ROLES, admin_role="admin", seed_admin=users.seed_admin,
        admin_login=f"phone {users.ADMIN_PHONE}",
        register_workers=workers.register_workers, queues=workers.QUEUES, schedules=workers.SCHEDULES,
        resolve_user=auth.flows().resolve)
