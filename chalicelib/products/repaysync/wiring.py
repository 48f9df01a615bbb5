"""Temporary stub: replaced by the real product wiring."""

from chalicelib.core.api import Api
from chalicelib.core.audit import audit_model
from chalicelib.core.auth.store import login_attempts_model, revocation_model
from chalicelib.core.db.counters import counter_model
from chalicelib.core.db.unique import unique_model
from chalicelib.core.errors import render_error_or_errors
from chalicelib.core.product import Product

_api = Api("repaysync", render_error_or_errors, title="RepaySync")


def build() -> Product:
    return Product(slug="repaysync", api=_api,
                   models=[counter_model("repaysync"), unique_model("repaysync"), revocation_model("repaysync"),
                           login_attempts_model("repaysync"), audit_model("repaysync")],
                   roles=("calling_agent", "collection_officer", "manager", "admin"), admin_role="admin")
