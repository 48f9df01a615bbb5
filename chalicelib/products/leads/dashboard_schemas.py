"""What the two dashboards answer (the spec renders them as pages: the same figures, as JSON)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chalicelib.products.leads.import_schemas import ImportOut
from chalicelib.products.leads.schemas import AssigneeOut, CustomerOut, Status


class StatusCount(BaseModel):
    status: Status
    status_display: str
    count: int


class SalesPerformance(BaseModel):
    sales_user: AssigneeOut
    is_active: bool
    assigned: int = Field(description="Leads the sales user holds now.")
    converted: int = Field(description="Of those, leads in CONVERTED.")
    conversion_rate: float = Field(description="converted / assigned, in percent (one decimal); 0 with no leads.")
    status_distribution: list[StatusCount]
    changes_today: int = Field(description="Status changes today (business day) of leads the user held.")
    converted_today: int = Field(description="Leads the user held that became CONVERTED today.")


class ManagerDashboardOut(BaseModel):
    total_customers: int
    assigned_customers: int
    unassigned_customers: int
    status_distribution: list[StatusCount] = Field(description="Every status, in the fixed order.")
    sales_performance: list[SalesPerformance] = Field(description="Every sales user, by id.")
    recent_imports: list[ImportOut] = Field(description="The five latest imports (their errors: GET /import/history/).")
    today: str = Field(description="The business day the `_today` figures count (YYYY-MM-DD).")


class LeadRef(BaseModel):
    id: str
    name: str


class ActivityOut(BaseModel):
    customer: LeadRef
    kind: str = Field(description="`status` (a status change) or `assigned` (the lead became yours).")
    previous_status: str | None
    new_status: str | None
    changed_by: str
    changed_at: datetime
    notes: str


class SalesDashboardOut(BaseModel):
    assigned_customers: int
    status_distribution: list[StatusCount]
    recent_activity: list[ActivityOut] = Field(description="The ten latest events on your leads, newest first.")
    assigned_customers_list: list[CustomerOut] = Field(
        description="Your ten newest leads (all of them: GET /customers/).")
