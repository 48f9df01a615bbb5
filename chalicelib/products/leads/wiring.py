"""Builds the Leads Product: its routes, tables, roles, token lifetimes and seed."""

from __future__ import annotations

from functools import cache

from chalicelib.core.product import Product


@cache
def build() -> Product:
    from chalicelib.core.auth.store import login_attempts_model, revocation_model
    from chalicelib.core.jobs.model import job_model
    from chalicelib.core.states import history_model
    from chalicelib.products.leads import auth, dashboard_routes, import_routes, routes, workers  # noqa: F401
    from chalicelib.products.leads.models import MODELS, PRODUCT
    from chalicelib.products.leads.services import activity, customers, users
    from chalicelib.products.leads.services.common import Counters, Guards
    from chalicelib.products.leads.vocabulary import ADMIN, ROLES

    return Product(
        slug=PRODUCT, api=routes.api,
        models=[Counters, Guards, revocation_model(PRODUCT), login_attempts_model(PRODUCT), history_model(PRODUCT),
                job_model(PRODUCT), customers.CustomerSearch, activity.Activity, *MODELS],
        roles=ROLES, admin_role=ADMIN, seed_admin=users.seed_admin, queues=workers.QUEUES,
        register_workers=workers.register_workers, schedules=workers.SCHEDULES,
        admin_login=f"username {users.ADMIN_USERNAME!r}", resolve_user=auth.flows().resolve)
