"""Builds the ISP Product: its routes, tables, roles, token lifetimes and seed."""

from __future__ import annotations

from functools import cache

from chalicelib.core.product import Product, QueueSpec


@cache
def build() -> Product:
    from chalicelib.core.auth.store import login_attempts_model, revocation_model
    from chalicelib.core.jobs.model import job_model
    from chalicelib.products.isp import auth, routes, workers
    from chalicelib.products.isp.models import MODELS, PRODUCT
    from chalicelib.products.isp.permissions import ADMIN, BUILTIN_IDS
    from chalicelib.products.isp.services import bills, customers, prospects, users
    from chalicelib.products.isp.services.common import Counters, Guards
    from chalicelib.products.isp.services.revenue import Revenue

    routes.register_imports()

    return Product(
        slug=PRODUCT, api=routes.api,
        models=[Counters, Guards, revocation_model(PRODUCT), login_attempts_model(PRODUCT), users.UserSearch,
                prospects.ProspectSearch, customers.CustomerSearch, bills.BillSearch, Revenue,
                job_model(PRODUCT), *MODELS],
        roles=tuple(BUILTIN_IDS), admin_role=ADMIN, access_ttl_minutes=auth.ACCESS_MINUTES,
        refresh_ttl_minutes=auth.REFRESH_MINUTES, seed_admin=users.seed_admin,
        admin_login=f"email {users.ADMIN_EMAIL!r}", resolve_user=auth.flows().resolve,
        schedules=workers.SCHEDULES, queues=(QueueSpec("uploads"),), register_workers=workers.register_workers)
