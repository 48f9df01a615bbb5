"""RepaySync interactions (field visits and calls): counted under their loan, edited by creator or approvers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.db.read import query_page
from chalicelib.core.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.repaysync.models import Interaction, Loan, loan_kind
from chalicelib.products.repaysync.services.common import (
    EDIT_ANY_INTERACTION,
    LOAN_INTERACTIONS,
    Guards,
    find,
    interaction_ids,
)
from chalicelib.products.repaysync.services.loans import get_loan

if TYPE_CHECKING:
    from pydantic import BaseModel as Schema

    from chalicelib.products.repaysync.schemas import InteractionIn


def loan_exists(loan_id: int, field_name: str = "loan") -> txn.Step:
    return txn.check(Loan, loan_id, Loan.id.exists(), ValidationFailed(
        {field_name: [f"Invalid pk \"{loan_id}\" - loan does not exist."]}))


def create_interaction(principal: Principal, kind: str, body: InteractionIn) -> Interaction:
    """An officer may record field visits only on loans in their scope (others read as missing)."""
    try:
        get_loan(principal, body.loan)
    except NotFound:
        raise ValidationFailed({"loan": [f"Invalid pk \"{body.loan}\" - loan does not exist."]}) from None
    interaction = Interaction(
        interaction_ids.next(), loan=body.loan, loan_kind=loan_kind(body.loan, kind), interaction_type=kind,
        comment=body.comment, disposition=body.disposition, timestamp=utcnow(),
        next_call_date=body.next_call_date.isoformat() if body.next_call_date else None,
        created_by=principal.user_id)
    txn.run(Guards, [loan_exists(body.loan), LOAN_INTERACTIONS.add(body.loan), txn.put(interaction)])
    return interaction


def get_interaction(principal: Principal, kind: str, interaction_id: int) -> Interaction:
    """A field interaction is not found under the calling paths, and the reverse."""
    interaction = find(Interaction, interaction_id)
    if interaction is None or interaction.interaction_type != kind:
        raise NotFound("Interaction not found.")
    try:
        get_loan(principal, interaction.loan)
    except NotFound:
        raise NotFound("Interaction not found.") from None
    return interaction


def list_interactions(principal: Principal, kind: str, loan_id: int, page: Window) -> Slice:
    """Newest first (ids grow with time)."""
    get_loan(principal, loan_id)
    return query_page(Interaction.loan_index, loan_kind(loan_id, kind), page, scan_index_forward=False)


def _may_edit(principal: Principal, interaction: Interaction) -> None:
    """The creator, managers and admins change or delete an interaction; others read it only."""
    if principal.roles & EDIT_ANY_INTERACTION:
        return
    if interaction.created_by is None or interaction.created_by != principal.user_id:
        raise Forbidden("Only the creator, a manager or an admin can change this interaction.")


def update_interaction(principal: Principal, kind: str, interaction_id: int, changes: Schema,
                       *, partial: bool) -> Interaction:
    interaction = get_interaction(principal, kind, interaction_id)
    _may_edit(principal, interaction)
    values = changes.model_dump(exclude_unset=partial)
    if "disposition" in values and values["disposition"] is None:
        raise ValidationFailed({"disposition": ["This field may not be null."]})
    if "comment" in values:
        interaction.comment = values["comment"] or ""
    if "disposition" in values:
        interaction.disposition = values["disposition"]
    if "next_call_date" in values:
        day = values["next_call_date"]
        interaction.next_call_date = day.isoformat() if day else None
    txn.run(Guards, [txn.put(interaction)])
    return interaction


def delete_interaction(principal: Principal, kind: str, interaction_id: int) -> None:
    interaction = get_interaction(principal, kind, interaction_id)
    _may_edit(principal, interaction)
    txn.run(Guards, [txn.delete(interaction), LOAN_INTERACTIONS.remove(interaction.loan)])
