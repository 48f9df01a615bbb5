"""The daily follow-up report: interactions whose next_call_date is the day, per officer/agent.

Read with a Query on the follow-up index (next_call_date), never a Scan, and written to the bucket as
`reports/followups/<date>.csv`, rows grouped by the user who recorded the interaction (the officer or
agent who promised the follow-up), then by interaction id.
"""

from __future__ import annotations

from datetime import date

from chalicelib.core.files.store import save_report
from chalicelib.products.repaysync import clock, services
from chalicelib.products.repaysync.models import Customer, Interaction, Loan, User

COLUMNS = ("owner_id", "owner_username", "owner_role", "interaction_id", "interaction_type", "disposition",
           "next_call_date", "comment", "loan_id", "loan_account_number", "customer_id", "customer_code",
           "customer_name", "customer_phone", "assigned_collection_officer")


def today() -> date:
    """The business day in the product's zone (India), where the collections happen."""
    return clock.clock().today()


def followup_rows(day: date) -> list[dict[str, object]]:
    """`day`'s follow-ups as report rows, in the report's order."""
    due = list(Interaction.followup_index.query(day.isoformat()))
    loans = services.batch_get(Loan, (item.loan for item in due))
    customers = services.batch_get(Customer, (loan.customer for loan in loans.values()))
    owners = services.batch_get(User, (item.created_by for item in due))
    rows = []
    for item in due:
        loan = loans.get(item.loan)
        customer = customers.get(loan.customer) if loan else None
        owner = owners.get(item.created_by)
        rows.append({
            "owner_id": item.created_by if item.created_by is not None else "",
            "owner_username": owner.username if owner else "", "owner_role": owner.role if owner else "",
            "interaction_id": item.id, "interaction_type": item.interaction_type, "disposition": item.disposition,
            "next_call_date": item.next_call_date, "comment": item.comment,
            "loan_id": item.loan, "loan_account_number": loan.loan_account_number if loan else "",
            "customer_id": customer.id if customer else "", "customer_code": customer.customer_code if customer else "",
            "customer_name": customer.name if customer else "", "customer_phone": customer.phone if customer else "",
            "assigned_collection_officer": (customer.assigned_collection_officer or "") if customer else "",
        })
    rows.sort(key=lambda row: (row["owner_username"], str(row["owner_id"]), row["interaction_id"]))
    return rows


def write_followups(day: date | None = None) -> dict[str, object]:
    """Write the report (an empty day still gets a header-only file, so "nothing due" is visible).

    Through the core writer: names and comments people typed never run as formulas."""
    day = day or today()
    rows = followup_rows(day)
    key, count = save_report(f"followups/{day.isoformat()}.csv", COLUMNS,
                             ([row[column] for column in COLUMNS] for row in rows))
    return {"key": key, "rows": count}
