"""The spec's dashboards as JSON: `GET /dashboard/manager/` and `GET /dashboard/sales/` (the spec renders
them as pages). Registered on Leads' Api when the product is built (wiring.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.api import Call
from chalicelib.core.lazyschemas import Schemas
from chalicelib.products.leads.routes import api
from chalicelib.products.leads.services import dashboards
from chalicelib.products.leads.vocabulary import MANAGERS, SALES

if TYPE_CHECKING:
    from chalicelib.products.leads.dashboard_schemas import ManagerDashboardOut, SalesDashboardOut

S = Schemas("chalicelib.products.leads.dashboard_schemas")  # loaded on first use (core/lazyschemas.py)


@api.route("/dashboard/manager/", ["GET"], roles=MANAGERS, response=S.ManagerDashboardOut)
def manager_dashboard(call: Call) -> ManagerDashboardOut:
    """Managers and admins: every lead counted (total, assigned, unassigned, by status), each sales
    user's leads, conversions and today's changes, and the latest imports."""
    return dashboards.manager(call.user)


@api.route("/dashboard/sales/", ["GET"], roles={SALES}, response=S.SalesDashboardOut)
def sales_dashboard(call: Call) -> SalesDashboardOut:
    """A sales user's own: the leads they hold, by status, the latest events on them and the newest ten."""
    return dashboards.sales(call.user)
