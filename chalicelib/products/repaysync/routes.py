"""RepaySync's HTTP surface (specs/repaysync.md): parse, validate, check the role, call the services.

Lists are plain JSON arrays as the spec shows, paginated in core's `LINK_PAGING` (core/paging.py owns the page
size rule): the next page is in the `Link` header (and its signed cursor in `X-Next-Cursor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.api import Api, Call, Reply
from chalicelib.core.errors import BadRequest, render_error_or_errors
from chalicelib.core.http import FORM, JSON, MULTIPART
from chalicelib.core.lazyschemas import Schemas
from chalicelib.core.paging import LINK_PAGING
from chalicelib.products.repaysync import auth, services
from chalicelib.products.repaysync.models import PRODUCT

if TYPE_CHECKING:
    from chalicelib.products.repaysync.schemas import (
        CustomerOut,
        DeletedOut,
        InteractionOut,
        LoanOut,
        LoggedOutOut,
        TokenPairOut,
        UserOut,
    )

# request and response bodies, loaded on a route's first use (core/lazyschemas.py)
S = Schemas("chalicelib.products.repaysync.schemas")

ADMIN, MANAGER, OFFICER, AGENT = services.ADMIN, services.MANAGER, services.OFFICER, services.AGENT
EVERYONE = frozenset({ADMIN, MANAGER, OFFICER, AGENT})
WRITERS = frozenset({ADMIN, MANAGER})
CREATORS = {"field": frozenset({OFFICER, MANAGER, ADMIN}), "calling": frozenset({AGENT, MANAGER, ADMIN})}
UPLOAD_TYPES = (MULTIPART, JSON, FORM)  # anything but multipart simply has no file: "No file provided."

_audit_store: Any = None


def _audit(entry: Any) -> None:
    """Every /api/ request lands in the api-logs table (redacted and truncated by the Api)."""
    global _audit_store
    if _audit_store is None:
        from chalicelib.core.audit import AuditStore

        _audit_store = AuditStore(PRODUCT)
    _audit_store.write(entry)


api = Api(PRODUCT, render_error_or_errors, title="RepaySync", audit=_audit, paging=LINK_PAGING)


def _deleted(what: str) -> DeletedOut:
    return S.DeletedOut(detail=f"{what} deleted.")


# -- auth (core.auth.flows on RepaySync's user store) ----------------------------------------------
@api.route("/api/auth/token/", ["POST"], public=True, request=S.TokenRequest, response=S.TokenPairOut,
           errors=(401, 429))
def obtain_token(call: Call) -> TokenPairOut:
    """Username and password for an access and a refresh token (throttled per name and address: README)."""
    pair = auth.flows().login(call.body.username, call.body.password, call.request)
    return S.TokenPairOut(access=pair.access, refresh=pair.refresh)


@api.route("/api/auth/token/refresh/", ["POST"], public=True, request=S.RefreshRequest, response=S.TokenPairOut,
           errors=(401,))
def refresh_token(call: Call) -> TokenPairOut:
    """A new access token and a new refresh token; the refresh token sent is used up."""
    pair = auth.flows().refresh(call.body.refresh)
    return S.TokenPairOut(access=pair.access, refresh=pair.refresh)


@api.route("/api/auth/logout/", ["POST"], request=S.RefreshRequest, response=S.LoggedOutOut, errors=(403,))
def logout(call: Call) -> LoggedOutOut:
    """End the session of this refresh token: it and every access token of that login stop working."""
    auth.flows().logout(call.body.refresh, call.user)
    return S.LoggedOutOut(detail="Logged out.")


# -- users -------------------------------------------------------------------------------------
api.answers_item_of("/api/users/register/", "/api/users/")  # a pending user: approve or reject it


@api.route("/api/users/register/", ["POST"], auth="optional", request=S.RegisterRequest, response=S.UserOut,
           status=201, errors=(401, 403, 409, 429))
def register(call: Call) -> UserOut:
    """Public for calling agents and collection officers; managers and admins need an admin's token."""
    from chalicelib.core.auth.lockout import source_address

    user = services.register_user(call.body, call.principal, source_address(call.request))
    return S.UserOut.model_validate(user, from_attributes=True)


@api.route("/api/users/", ["GET"], roles=WRITERS, response=list[S.UserOut], paginated=True)
def list_users(call: Call) -> Reply:
    """Every user (managers and admins)."""
    return call.listing(services.list_users, S.UserOut)


@api.route("/api/users/pending/", ["GET"], roles=WRITERS, response=list[S.UserOut], paginated=True)
def list_pending_users(call: Call) -> Reply:
    """Self-registered accounts waiting for approval (managers and admins)."""
    return call.listing(lambda window: services.list_users(window, pending=True), S.UserOut)


@api.route("/api/users/{id:int}/approve/", ["POST"], roles=WRITERS, response=S.UserOut)
def approve_user(call: Call) -> UserOut:
    """Let a self-registered agent or officer log in (managers and admins; 409 if not pending)."""
    return S.UserOut.model_validate(services.approve_user(call.path["id"]), from_attributes=True)


@api.route("/api/users/{id:int}/reject/", ["POST"], roles=WRITERS, response=S.DeletedOut)
def reject_user(call: Call) -> DeletedOut:
    """Remove a pending registration; its username and email are free again (409 if not pending)."""
    services.reject_user(call.path["id"])
    return S.DeletedOut(detail="Registration rejected.")


# -- customers ---------------------------------------------------------------------------------
@api.route("/api/customers/", ["GET"], roles=EVERYONE, response=list[S.CustomerOut], paginated=True)
def list_customers(call: Call) -> Reply:
    """A collection officer's assigned customers; everyone else sees all."""
    return call.listing(lambda window: services.list_customers(call.user, window), S.CustomerOut)


def _create_customer(call: Call) -> CustomerOut:
    return S.CustomerOut.model_validate(services.create_customer(call.body), from_attributes=True)


api.route("/api/customers/", ["POST"], roles=WRITERS, request=S.CustomerIn, response=S.CustomerOut, status=201,
          name="create_customer", summary="Create a customer (a null or omitted customer_code is generated).")(
    _create_customer)
api.route("/api/customers/create/", ["POST"], roles=WRITERS, request=S.CustomerIn, response=S.CustomerOut,
          status=201, name="create_single_customer", summary="Create a customer (same as POST /api/customers/).")(
    _create_customer)
for _create in ("/api/customers/", "/api/customers/create/"):  # the OpenAPI links of the customer answered
    api.answers_item_of(_create, "/api/loans/customer/")
api.answers_item_of("/api/customers/create/", "/api/customers/")


@api.route("/api/customers/bulk/upload/", ["POST"], roles=services.UPLOAD_ROLES, response=S.BulkUploadOut, status=201,
           content_types=UPLOAD_TYPES, upload="file")
def bulk_upload_customers(call: Call) -> dict[str, Any]:
    """CSV or XLSX in the multipart field `file`; bad rows come back numbered in `errors`."""
    return _upload(call, "customers")


@api.route("/api/customers/{id:int}/", ["GET"], roles=EVERYONE, response=S.CustomerOut)
def get_customer(call: Call) -> CustomerOut:
    return S.CustomerOut.model_validate(services.get_customer(call.user, call.path["id"]), from_attributes=True)


@api.route("/api/customers/{id:int}/", ["PUT"], roles=WRITERS, request=S.CustomerIn, response=S.CustomerOut)
def replace_customer(call: Call) -> CustomerOut:
    customer = services.update_customer(call.path["id"], call.body, partial=False)
    return S.CustomerOut.model_validate(customer, from_attributes=True)


@api.route("/api/customers/{id:int}/", ["PATCH"], roles=WRITERS, request=S.CustomerPatch, response=S.CustomerOut)
def patch_customer(call: Call) -> CustomerOut:
    customer = services.update_customer(call.path["id"], call.body, partial=True)
    return S.CustomerOut.model_validate(customer, from_attributes=True)


@api.route("/api/customers/{id:int}/", ["DELETE"], roles=WRITERS, response=S.DeletedOut)
def delete_customer(call: Call) -> DeletedOut:
    """Delete a customer (409 while it has loans)."""
    services.delete_customer(call.path["id"])
    return _deleted("Customer")


# -- loans -------------------------------------------------------------------------------------
@api.route("/api/loans/", ["GET"], roles=EVERYONE, response=list[S.LoanOut], paginated=True)
def list_loans(call: Call) -> Reply:
    """All loans (a collection officer: those of their customers)."""
    return call.listing(lambda window: services.list_loans(call.user, window), S.LoanOut)


@api.route("/api/loans/", ["POST"], roles=WRITERS, request=S.LoanIn, response=S.LoanOut, status=201)
def create_loan(call: Call) -> LoanOut:
    return S.LoanOut.model_validate(services.create_loan(call.body), from_attributes=True)


@api.route("/api/loans/{id:int}/", ["GET"], roles=EVERYONE, response=S.LoanOut)
def get_loan(call: Call) -> LoanOut:
    return S.LoanOut.model_validate(services.get_loan(call.user, call.path["id"]), from_attributes=True)


@api.route("/api/loans/{id:int}/", ["PUT"], roles=WRITERS, request=S.LoanIn, response=S.LoanOut)
def replace_loan(call: Call) -> LoanOut:
    return S.LoanOut.model_validate(services.update_loan(call.path["id"], call.body, partial=False),
                                  from_attributes=True)


@api.route("/api/loans/{id:int}/", ["PATCH"], roles=WRITERS, request=S.LoanPatch, response=S.LoanOut)
def patch_loan(call: Call) -> LoanOut:
    return S.LoanOut.model_validate(services.update_loan(call.path["id"], call.body, partial=True),
                                  from_attributes=True)


@api.route("/api/loans/{id:int}/", ["DELETE"], roles=WRITERS, response=S.DeletedOut)
def delete_loan(call: Call) -> DeletedOut:
    """Delete a loan (409 while it has interactions)."""
    services.delete_loan(call.path["id"])
    return _deleted("Loan")


@api.route("/api/loans/customer/{customer_id:int}/", ["GET"], roles=EVERYONE, response=list[S.LoanOut],
           paginated=True)
def customer_loans(call: Call) -> Reply:
    """The loans of one customer (404 when the customer is outside the caller's scope)."""
    return call.listing(lambda window: services.list_customer_loans(call.user, call.path["customer_id"], window),
                        S.LoanOut)


# -- interactions ------------------------------------------------------------------------------
def _interaction(item: Any) -> InteractionOut:
    return S.InteractionOut.model_validate(item, from_attributes=True)


def _interaction_routes(kind: str) -> None:
    """The same five routes for `field` and `calling`; each kind is invisible under the other's paths."""
    base = f"/api/interactions/{kind}/"

    api.answers_item_of(f"{base}create/", base)
    api.answers_item_of("/api/loans/", f"{base}loan/")

    @api.route(f"{base}create/", ["POST"], roles=CREATORS[kind], request=S.InteractionIn, response=S.InteractionOut,
               status=201, name=f"create_{kind}_interaction", summary=f"Record a {kind} interaction.")
    def create(call: Call) -> InteractionOut:
        return _interaction(services.create_interaction(call.user, kind, call.body))

    @api.route(f"{base}{{id:int}}/", ["GET"], roles=EVERYONE, response=S.InteractionOut,
               name=f"get_{kind}_interaction", summary=f"One {kind} interaction.")
    def get(call: Call) -> InteractionOut:
        return _interaction(services.get_interaction(call.user, kind, call.path["id"]))

    @api.route(f"{base}{{id:int}}/", ["PUT"], roles=EVERYONE, request=S.InteractionUpdate, response=S.InteractionOut,
               name=f"replace_{kind}_interaction", summary="Replace (the creator, a manager or an admin).")
    def replace(call: Call) -> InteractionOut:
        return _interaction(services.update_interaction(call.user, kind, call.path["id"], call.body, partial=False))

    @api.route(f"{base}{{id:int}}/", ["PATCH"], roles=EVERYONE, request=S.InteractionPatch, response=S.InteractionOut,
               name=f"patch_{kind}_interaction", summary="Change some fields (the creator, a manager or an admin).")
    def patch(call: Call) -> InteractionOut:
        return _interaction(services.update_interaction(call.user, kind, call.path["id"], call.body, partial=True))

    @api.route(f"{base}{{id:int}}/", ["DELETE"], roles=EVERYONE, response=S.DeletedOut,
               name=f"delete_{kind}_interaction", summary="Delete (the creator, a manager or an admin).")
    def delete(call: Call) -> DeletedOut:
        services.delete_interaction(call.user, kind, call.path["id"])
        return _deleted("Interaction")

    @api.route(f"{base}loan/{{loan_id:int}}/", ["GET"], roles=EVERYONE, response=list[S.InteractionOut],
               paginated=True, name=f"list_{kind}_interactions", summary=f"A loan's {kind} interactions, newest first.")
    def for_loan(call: Call) -> Reply:
        return call.listing(lambda window: services.list_interactions(call.user, kind, call.path["loan_id"], window),
                            S.InteractionOut)


_interaction_routes("field")
_interaction_routes("calling")


@api.route("/api/interactions/bulk/upload/", ["POST"], roles=services.UPLOAD_ROLES, response=S.BulkUploadOut,
           status=201, content_types=UPLOAD_TYPES, upload="file")
def bulk_upload_interactions(call: Call) -> dict[str, Any]:
    """CSV or XLSX: loan_id, comment, disposition, next_call_date, interaction_type (default field)."""
    return _upload(call, "interactions")


def _upload(call: Call, spec_name: str) -> dict[str, Any]:
    from chalicelib.products.repaysync import imports

    upload = call.parsed.files.get("file") if call.parsed else None
    if upload is None or not upload.data:
        raise BadRequest("No file provided.")
    return imports.upload(spec_name, upload.filename, upload.data, call.user)


# -- logs --------------------------------------------------------------------------------------
@api.route("/api/logs/", ["GET"], roles={ADMIN}, response=list[S.LogOut], paginated=True)
def list_logs(call: Call) -> Reply:
    """Every /api/ request, newest first (admins only; kept 90 days)."""
    return call.listing(services.list_logs, S.LogOut)


def register_imports() -> None:
    """The import engine's presign and job-status routes (for files too big for the API), and the
    jobs list and status (core/jobs: imports are jobs of kind "import")."""
    from chalicelib.core.files.routes import register_import_routes
    from chalicelib.core.jobs.routes import register_job_routes
    from chalicelib.core.jobs.service import Jobs
    from chalicelib.products.repaysync import imports

    if not any(route.name == "import_presign" for route in api.routes):
        register_import_routes(api, imports.engine, [imports.CUSTOMERS.name, imports.INTERACTIONS.name],
                               roles=services.UPLOAD_ROLES)
    if not any(route.name == "job_list" for route in api.routes):
        register_job_routes(api, Jobs(PRODUCT, admin_roles=frozenset({ADMIN})), roles=services.UPLOAD_ROLES)
