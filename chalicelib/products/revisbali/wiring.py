"""Builds the RevisBali Product: its routes, tables, roles, token lifetimes and seed."""

from __future__ import annotations

from functools import cache

from chalicelib.core.product import Product


@cache
def build() -> Product:
    from chalicelib.core.auth.store import login_attempts_model, revocation_model
    from chalicelib.core.db.idempotency import idempotent_request_model
    from chalicelib.core.jobs.model import job_model
    from chalicelib.products.revisbali import auth, invoice_routes, workers
    from chalicelib.products.revisbali.documents import models as documents
    from chalicelib.products.revisbali.documents import routes as document_routes  # noqa: F401 - declares its routes
    from chalicelib.products.revisbali.documents import workers as document_workers
    from chalicelib.products.revisbali.models import MODELS, PRODUCT
    from chalicelib.products.revisbali.roles import ADMIN, ROLES
    from chalicelib.products.revisbali.services import customers, users
    from chalicelib.products.revisbali.services.common import Counters, Guards, History

    return Product(
        slug=PRODUCT, api=invoice_routes.api,  # routes.api with the invoice routes added
        models=[Counters, Guards, History, revocation_model(PRODUCT), login_attempts_model(PRODUCT),
                customers.CustomerSearch, job_model(PRODUCT), idempotent_request_model(PRODUCT),
                *MODELS, *documents.MODELS],
        roles=ROLES, admin_role=ADMIN, seed_admin=users.seed_admin,
        admin_login=f"email {users.ADMIN_EMAIL!r}", resolve_user=auth.flows().resolve,
        register_workers=document_workers.register_workers, queues=document_workers.QUEUES,
        schedules=workers.SCHEDULES)
