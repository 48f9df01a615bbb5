"""The manager's and the sales user's dashboards, from maintained counts (services/tallies.py).

No lead is read to count: the figures are a handful of batch reads of count items, the sales users
(one Query on the role index), the latest imports (one Query) and, for a sales user, their latest
activity (one Query) and their ten newest leads (one Query).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.auth.principal import Principal
from chalicelib.core.paging import Window
from chalicelib.products.leads.models import User
from chalicelib.products.leads.services import activity, import_history, tallies
from chalicelib.products.leads.vocabulary import SALES, STATUS_DISPLAY

if TYPE_CHECKING:
    from chalicelib.products.leads.dashboard_schemas import (
        ActivityOut,
        ManagerDashboardOut,
        SalesDashboardOut,
        StatusCount,
    )

RECENT_IMPORTS = 5
RECENT = 10


def _distribution(counts: dict[str, int]) -> list[StatusCount]:
    from chalicelib.products.leads.dashboard_schemas import StatusCount

    return [StatusCount(status=status, status_display=STATUS_DISPLAY[status], count=counts.get(status, 0))  # type: ignore[arg-type]
            for status in tallies.STATUSES]


def _rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def manager(principal: Principal) -> ManagerDashboardOut:
    from chalicelib.products.leads.dashboard_schemas import ManagerDashboardOut, SalesPerformance
    from chalicelib.products.leads.schemas import AssigneeOut

    team = sorted(User.role_index.query(SALES), key=lambda user: int(user.id))
    by_status = tallies.by_status()
    held = tallies.held([tallies.NOBODY, *(int(user.id) for user in team)])
    today = tallies.today()
    day = tallies.of_day(today, [int(user.id) for user in team])
    total = sum(by_status.values())
    unassigned = sum(held[tallies.NOBODY].values())
    performance = []
    for user in team:
        counts = held[int(user.id)]
        assigned = sum(counts.values())
        converted = counts[tallies.CONVERTED]
        performance.append(SalesPerformance(
            sales_user=AssigneeOut(id=int(user.id), username=user.username), is_active=bool(user.is_active),
            assigned=assigned, converted=converted, conversion_rate=_rate(converted, assigned),
            status_distribution=_distribution(counts),
            changes_today=day[tallies.CHANGES][int(user.id)],  # type: ignore[index]
            converted_today=day[tallies.CONVERTED][int(user.id)]))  # type: ignore[index]
    imports = import_history.page(principal, Window(RECENT_IMPORTS, None)).items
    return ManagerDashboardOut(
        total_customers=total, assigned_customers=total - unassigned, unassigned_customers=unassigned,
        status_distribution=_distribution(by_status), sales_performance=performance,
        recent_imports=[import_history.rendered(job, errors=0) for job in imports], today=today.isoformat())


def _activity(entry: Any) -> ActivityOut:
    from chalicelib.products.leads.dashboard_schemas import ActivityOut, LeadRef

    return ActivityOut(customer=LeadRef(id=entry.customer_id, name=entry.customer_name), kind=entry.kind,
                       previous_status=entry.previous_status, new_status=entry.new_status, changed_by=entry.actor,
                       changed_at=entry.at, notes=entry.notes or "")


def sales(principal: Principal) -> SalesDashboardOut:
    from chalicelib.products.leads.dashboard_schemas import SalesDashboardOut
    from chalicelib.products.leads.schemas import CustomerQuery
    from chalicelib.products.leads.services import customers

    user_id = int(principal.user_id)
    counts = tallies.held([user_id])[user_id]
    newest = customers.list_customers(principal, CustomerQuery(), Window(RECENT, None)).items
    return SalesDashboardOut(
        assigned_customers=sum(counts.values()), status_distribution=_distribution(counts),
        recent_activity=[_activity(entry) for entry in activity.recent(user_id, RECENT)],
        assigned_customers_list=customers.rendered(newest))
