"""Leads' HTTP surface (specs/leads.md) as a JSON API: parse, validate, check the role, call the services.

Paths are the spec's. Where the spec "renders" a page or "redirects", the route answers the JSON a
frontend needs instead (README.md lists each one). Every POST takes JSON or form-urlencoded bodies
(core/http.py). Lists are plain arrays with a `Link` header (core's paging); every error is the spec's
`{"error": "..."}`, refused fields adding `{"errors": {field: [...]}}` beside it (core.errors.render_error_always).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.api import Api, Call, Reply
from chalicelib.core.errors import render_error_always
from chalicelib.core.jobs.routes import register_job_routes
from chalicelib.core.lazyschemas import Schemas
from chalicelib.products.leads import auth
from chalicelib.products.leads.models import PRODUCT, User
from chalicelib.products.leads.services import assignment, customers, statuses, users
from chalicelib.products.leads.vocabulary import EVERYONE, MANAGERS, STATUS_DISPLAY

if TYPE_CHECKING:
    from chalicelib.products.leads.schemas import (
        AssignmentOut,
        AssignOut,
        CustomerDetailOut,
        LoginOut,
        RefreshOut,
        StatusOut,
        SuccessOut,
        UserOut,
    )

S = Schemas("chalicelib.products.leads.schemas")  # loaded on first use (core/lazyschemas.py)

api = Api(PRODUCT, render_error_always, title="Lead CRM")


def _user(user: User) -> UserOut:
    return S.UserOut(id=user.id, username=user.username, email=user.email, first_name=user.first_name,
                   last_name=user.last_name, role=user.role, is_active=bool(user.is_active),  # type: ignore[arg-type]
                   date_joined=user.created_at)


# -- auth (core.auth.flows on Leads' user store) ---------------------------------------------------
@api.route("/login/", ["POST"], public=True, request=S.LoginIn, response=S.LoginOut, errors=(401, 429))
def login(call: Call) -> LoginOut:
    """Username (any case) and password for an `access` token, a `refresh` token and the user (the
    spec's redirect to the dashboard: the user's `role` says which one). Bad credentials: 401."""
    pair = auth.flows().login(call.body.username, call.body.password, call.request)
    user = users.find_by_username(call.body.username)
    assert user is not None  # the login just found them
    return S.LoginOut(access=pair.access, refresh=pair.refresh, user=_user(user))


@api.route("/token/refresh/", ["POST"], public=True, request=S.RefreshIn, response=S.RefreshOut, errors=(401,))
def refresh_token(call: Call) -> RefreshOut:
    """A new access token and the next refresh token; the refresh token sent is used up (rotation)."""
    pair = auth.flows().refresh(call.body.refresh)
    return S.RefreshOut(access=pair.access, refresh=pair.refresh)


@api.route("/logout/", ["POST"], roles=EVERYONE, request=S.RefreshIn, response=S.SuccessOut)
def logout(call: Call) -> SuccessOut:
    """Ends the session of this refresh token (your own: 403 otherwise): its refresh and access tokens
    stop working. An unknown or already ended one is a 400 on `refresh`."""
    auth.flows().logout(call.body.refresh, call.user)
    return S.SuccessOut(success=True)


# -- users (admins: everyone; managers: sales users) -----------------------------------------------
@api.route("/users/", ["GET"], roles=MANAGERS, query=S.UserQuery, response=list[S.UserOut], paginated=True)
def list_users(call: Call) -> Reply:
    """Users by id: admins see everyone (or one `role`), managers the sales users."""
    return call.listing(lambda window: users.list_users(call.user, window, call.query_model.role), _user)


@api.route("/users/", ["POST"], roles=MANAGERS, request=S.UserIn, response=S.UserOut, status=201)
def create_user(call: Call) -> UserOut:
    """A user who logs in with this username and password; a manager creates sales users only (403)."""
    return _user(users.add_user(call.user, call.body))


@api.route("/users/{id:int}/", ["GET"], roles=MANAGERS, response=S.UserOut)
def get_user(call: Call) -> UserOut:
    return _user(users.managed(call.user, call.path["id"]))


@api.route("/users/{id:int}/", ["PATCH"], roles=MANAGERS, request=S.UserPatch, response=S.UserOut, errors=(409,))
def patch_user(call: Call) -> UserOut:
    """Names, e-mail, `is_active`, password; `role` by admins only (403). Deactivating yourself: 409."""
    return _user(users.change_user(call.user, call.path["id"], call.body))


@api.route("/users/{id:int}/", ["DELETE"], roles=MANAGERS, status=204, errors=(409,))
def delete_user(call: Call) -> None:
    """Deactivates the user (leads and their history keep naming them); yourself: 409."""
    users.deactivate_user(call.user, call.path["id"])


# -- customers (leads) -----------------------------------------------------------------------------
@api.route("/customers/", ["GET"], roles=EVERYONE, query=S.CustomerQuery, response=list[S.CustomerOut], paginated=True)
def list_customers(call: Call) -> Reply:
    """Leads newest first (a sales user: the ones assigned to them), of one `status`, or found by
    `search` (words starting the name, area or phone number)."""
    def fetch(window: Any) -> Any:
        part = customers.list_customers(call.user, call.query_model, window)
        part.items = customers.rendered(part.items)
        return part

    return call.listing(fetch)


@api.route("/customers/{customer_id:uuid}/", ["GET"], roles=EVERYONE, response=S.CustomerDetailOut)
def get_customer(call: Call) -> CustomerDetailOut:
    """The lead with its sales user (`assigned_to`) and its full `status_history`, oldest first."""
    customer = customers.visible(call.user, call.path["customer_id"])
    return S.CustomerDetailOut(**customers.rendered([customer])[0].model_dump(),
                             status_history=statuses.history_of(customer))


@api.route("/customers/{customer_id:uuid}/update-status/", ["POST"], roles=EVERYONE, request=S.StatusIn,
           response=S.StatusOut, errors=(409,))
def update_status(call: Call) -> StatusOut:
    """The lead's new status and its history entry (with `notes`), written together; a sales user
    changes only the leads assigned to them."""
    customer = statuses.change_status(call.user, call.path["customer_id"], call.body.status, call.body.notes)
    return S.StatusOut(success=True, status=customer.status, status_display=STATUS_DISPLAY[customer.status])


# -- assignment (managers and admins) --------------------------------------------------------------
def _assigned(outcome: assignment.Outcome) -> AssignmentOut:
    names = users.by_id(outcome.per_user)
    return S.AssignmentOut(success=True, assigned=outcome.assigned, unchanged=outcome.unchanged,
                         skipped=outcome.skipped, not_found=outcome.not_found,
                         assignments=[S.AssignmentCount(sales_user=S.AssigneeOut(id=uid, username=names[uid].username),
                                                      count=count)
                                      for uid, count in sorted(outcome.per_user.items()) if uid in names])


def _started(result: Any) -> Reply:
    if isinstance(result, assignment.Outcome):
        return Reply(_assigned(result))
    return Reply(S.JobStartedOut(success=True, job_id=result.job_id, status=result.status, total=int(result.total)),
                 status=202)


@api.route("/customers/{customer_id:uuid}/assign/", ["POST"], roles=MANAGERS, request=S.AssignIn, response=S.AssignOut)
def assign_customer(call: Call) -> AssignOut:
    """The lead to an active sales user (`sales_user`: their id; anyone else is a 400)."""
    customer = customers.visible(call.user, call.path["customer_id"])
    target = assignment.sales_user(call.body.sales_user)
    assignment.assign(customer, target.id, call.user.username)
    return S.AssignOut(success=True, assigned_to=target.username)


@api.route("/customers/bulk-assign/", ["POST"], roles=MANAGERS, request=S.BulkAssignIn,
           response={200: S.AssignmentOut, 202: S.JobStartedOut})
def bulk_assign(call: Call) -> Reply:
    """The leads to one active sales user. Up to 100 leads: done at once (200, the counts); more: queued
    as a job (202), its progress at /jobs/{job_id}/."""
    return _started(assignment.start(call.user, "bulk", call.body.customer_ids, call.body.sales_user))


@api.route("/customers/random-assign/", ["POST"], roles=MANAGERS, request=S.RandomAssignIn,
           response={200: S.AssignmentOut, 202: S.JobStartedOut})
def random_assign(call: Call) -> Reply:
    """The unassigned leads among these, spread over the active sales users, least loaded first. Up to
    100 leads: done at once (200, the counts); more: queued as a job (202), its progress at /jobs/{job_id}/."""
    return _started(assignment.start(call.user, "random", call.body.customer_ids))


register_job_routes(api, assignment.JOBS, MANAGERS, prefix="/jobs/")
api.answers_item_of("/customers/bulk-assign/", "/jobs/")  # a queued assignment's job (202)
api.answers_item_of("/customers/random-assign/", "/jobs/")
