"""Builds the VST Product: its routes, tables, roles, token lifetimes, queues, schedules and seed."""

from __future__ import annotations

from functools import cache

from chalicelib.core.product import Product


@cache
def build() -> Product:
    from chalicelib.core.auth.store import login_attempts_model, revocation_model
    from chalicelib.products.vst import auth, clock, routes, workers
    from chalicelib.products.vst.models import MODELS, PRODUCT
    from chalicelib.products.vst.schemas import ROLES
    from chalicelib.products.vst.services import users
    from chalicelib.products.vst.services.cards import CardSearch
    from chalicelib.products.vst.services.common import Counters, Guards
    from chalicelib.products.vst.services.lifecycle import History

    clock.clock()  # an unknown CRM_TIME_ZONE stops the start with a clear message
    return Product(
        slug=PRODUCT, api=routes.api,
        models=[Counters, Guards, revocation_model(PRODUCT), login_attempts_model(PRODUCT), CardSearch,
                History, *MODELS],
        roles=ROLES, admin_role="admin", access_ttl_minutes=auth.ACCESS_MINUTES,
        refresh_ttl_minutes=auth.REFRESH_MINUTES, seed_admin=users.seed_admin,
        admin_login=f"phone {users.ADMIN_PHONE}",
        register_workers=workers.register_workers, queues=workers.QUEUES, schedules=workers.SCHEDULES,
        resolve_user=auth.flows().resolve)
