"""ISP's HTTP surface (specs/isp.md): parse, validate, check the permission, call the services.

Every route that reads or changes business data declares a permission name (`permission=`); the Api
asks the roles table through a short cache (services.roles.RIGHTS), so roles are data. Only the
caller's own session and profile (logout, me, menu) need no more than a valid token. Lists are plain
JSON arrays paginated in core's LINK style; errors are DRF's shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.api import Api, Call, Reply
from chalicelib.core.errors import ValidationFailed, render_detail
from chalicelib.core.files.answer import ExportQuery, FileReply
from chalicelib.core.http import FORM, JSON, MULTIPART
from chalicelib.core.lazyschemas import Schemas
from chalicelib.core.paging import LINK_PAGING
from chalicelib.products.isp import auth
from chalicelib.products.isp.clock import clock
from chalicelib.products.isp.models import PRODUCT
from chalicelib.products.isp.permissions import CATALOGUE, MenuItem, visible_menu
from chalicelib.products.isp.services import bills, customers, dashboard, exports, prospects, roles, users
from chalicelib.products.isp.services.users import Profile

if TYPE_CHECKING:
    from chalicelib.products.isp.schemas import (
        BillImportOut,
        BillOut,
        CustomerImportOut,
        CustomerOut,
        DetailOut,
        KamOut,
        KpisOut,
        LoginOut,
        MenuItemOut,
        MeOut,
        MonthRevenueOut,
        PermissionOut,
        ProspectOut,
        RoleOut,
        TokenPairOut,
        UserBrief,
        UserOut,
        WeekRevenueOut,
        YearRevenueOut,
    )

S = Schemas("chalicelib.products.isp.schemas")  # loaded on first use (core/lazyschemas.py)


def _allows(principal: Any, permission: str) -> bool:
    return roles.RIGHTS.allows(principal, permission)


api = Api(PRODUCT, render_detail, title="ISP billing CRM", paging=LINK_PAGING, permissions=_allows)


def _user(user: object) -> UserOut:
    return S.UserOut.model_validate(user, from_attributes=True)


def _role(role: Any) -> RoleOut:
    return S.RoleOut(id=role.id, name=role.name, description=role.description, permissions=sorted(role.permissions),
                   is_builtin=bool(role.builtin), created_at=role.created_at, updated_at=role.updated_at)


# -- auth (core.auth.flows on ISP's user store) ------------------------------------------------
api.answers_item_of("/api/auth/register/", "/api/users/")  # the user answered: at /api/users/{id}/
for _create in ("/api/users/", "/api/auth/register/"):
    api.answers_item_of(_create, "/api/auth/assign-role/")


@api.route("/api/auth/register/", ["POST"], permission="users.create", request=S.RegisterIn, response=S.UserBrief,
           status=201)
def register(call: Call) -> UserBrief:
    """A new sales person (admins and super_admins: `users.create`)."""
    body = call.body
    user = users.create_user(call.user, Profile(body.email, body.username, "", "", users.role_by_id(None), True),
                             body.password)
    return S.UserBrief(id=user.id, email=user.email, username=user.username)


@api.route("/api/auth/login/", ["POST"], public=True, request=S.LoginIn, response=S.LoginOut, errors=(401, 429))
def login(call: Call) -> LoginOut:
    """E-mail (any case) and password for a refresh and an access token (throttled per e-mail and address)."""
    pair = auth.flows().login(call.body.email, call.body.password, call.request)
    user = users.find_by_email(call.body.email)
    return S.LoginOut(refresh=pair.refresh, access=pair.access,
                    user=S.UserBrief(id=user.id, email=user.email, username=user.username))


@api.route("/api/auth/refresh/", ["POST"], public=True, request=S.RefreshIn, response=S.TokenPairOut, errors=(401,))
def refresh(call: Call) -> TokenPairOut:
    """A new access token and the next refresh token; the refresh token sent is used up (rotation)."""
    pair = auth.flows().refresh(call.body.refresh)
    return S.TokenPairOut(access=pair.access, refresh=pair.refresh)


@api.route("/api/auth/logout/", ["POST"], request=S.RefreshIn, response=S.DetailOut, status=205)
def logout(call: Call) -> DetailOut:
    """Revoke the caller's refresh token (and its session's access tokens); 400 for a bad token."""
    auth.flows().logout(call.body.refresh, call.user)
    return S.DetailOut(detail="Logged out")


@api.route("/api/users/me/", ["GET"], response=S.MeOut)
def me(call: Call) -> MeOut:
    """The caller, their role's name and the permissions it grants now."""
    user = auth.flows().me(call.user)
    return S.MeOut(id=user.id, email=user.email, username=user.username, first_name=user.first_name,
                 last_name=user.last_name, role=user.role_name, role_id=user.role,
                 permissions=sorted(roles.RIGHTS.of(user.role_name)))


def _menu(item: MenuItem) -> MenuItemOut:
    return S.MenuItemOut(id=item.id, slug=item.slug, title=item.title, path=item.path, icon=item.icon,
                       order=item.order, children=[_menu(child) for child in item.children])


@api.route("/api/auth/menu/", ["GET"], response=list[S.MenuItemOut])
def menu(call: Call) -> list[MenuItemOut]:
    """The menu the caller's permissions allow, ordered; groups show only the children allowed."""
    rights = frozenset().union(*(roles.RIGHTS.of(role) for role in call.user.roles))
    return [_menu(item) for item in visible_menu(rights)]


# -- users -------------------------------------------------------------------------------------
@api.route("/api/users/", ["GET"], permission="users.view", query=S.UserQuery, response=list[S.UserOut],
           paginated=True)
def list_users(call: Call) -> Reply:
    """Users by id; filters `role` (id), `role_name`, `is_active`, `search`; `ordering` id or -id."""
    return call.listing(lambda window: users.list_users(call.query_model, window), S.UserOut)


@api.route("/api/users/", ["POST"], permission="users.create", request=S.UserIn, response=S.UserOut, status=201)
def create_user(call: Call) -> UserOut:
    body = call.body
    profile = Profile(body.email, body.username, body.first_name, body.last_name, users.role_by_id(body.role),
                      body.is_active)
    return _user(users.create_user(call.user, profile, body.password))


@api.route("/api/users/{id:int}/", ["GET"], permission="users.view", response=S.UserOut)
def get_user(call: Call) -> UserOut:
    return _user(users.get_user(call.path["id"]))


@api.route("/api/users/{id:int}/", ["PUT"], permission="users.update", request=S.UserEdit, response=S.UserOut,
           errors=(409,))
def put_user(call: Call) -> UserOut:
    return _user(users.update_user(call.user, call.path["id"], call.body, partial=False))


@api.route("/api/users/{id:int}/", ["PATCH"], permission="users.update", request=S.UserPatch, response=S.UserOut,
           errors=(409,))
def patch_user(call: Call) -> UserOut:
    return _user(users.update_user(call.user, call.path["id"], call.body, partial=True))


@api.route("/api/users/{id:int}/", ["DELETE"], permission="users.delete", status=204, errors=(409,))
def delete_user(call: Call) -> None:
    users.delete_user(call.user, call.path["id"])


# -- roles and permissions ---------------------------------------------------------------------
@api.route("/api/auth/permissions/", ["GET"], permission="roles.view", response=list[S.PermissionOut])
def list_permissions(call: Call) -> list[PermissionOut]:
    """Every permission a role can grant."""
    return [S.PermissionOut(id=index, codename=p.codename, name=p.name, module=p.module)
            for index, p in enumerate(CATALOGUE, start=1)]


@api.route("/api/auth/roles/", ["GET"], permission="roles.view", response=list[S.RoleOut], paginated=True)
def list_roles(call: Call) -> Reply:
    return call.listing(roles.list_roles, _role)


@api.route("/api/auth/roles/", ["POST"], permission="roles.create", request=S.RoleIn, response=S.RoleOut, status=201)
def create_role(call: Call) -> RoleOut:
    return _role(roles.create_role(call.body))


@api.route("/api/auth/roles/{id:int}/", ["GET"], permission="roles.view", response=S.RoleOut)
def get_role(call: Call) -> RoleOut:
    return _role(roles.get_role(call.path["id"]))


@api.route("/api/auth/roles/{id:int}/", ["PUT"], permission="roles.update", request=S.RoleIn, response=S.RoleOut,
           errors=(409,))
def put_role(call: Call) -> RoleOut:
    return _role(roles.update_role(call.path["id"], call.body, partial=False))


@api.route("/api/auth/roles/{id:int}/", ["PATCH"], permission="roles.update", request=S.RolePatch, response=S.RoleOut,
           errors=(409,))
def patch_role(call: Call) -> RoleOut:
    return _role(roles.update_role(call.path["id"], call.body, partial=True))


@api.route("/api/auth/roles/{id:int}/", ["DELETE"], permission="roles.delete", status=204, errors=(409,))
def delete_role(call: Call) -> None:
    roles.delete_role(call.path["id"])


@api.route("/api/auth/assign-role/{user_id:int}/", ["POST"], permission="roles.assign", request=S.AssignRoleIn,
           response=S.DetailOut, errors=(409,))
def assign_role(call: Call) -> DetailOut:
    """Give a user the role named (only a super_admin grants super_admin or changes a super_admin)."""
    users.assign_role(call.user, call.path["user_id"], call.body.role)
    return S.DetailOut(detail="Role assigned")


# -- prospects ---------------------------------------------------------------------------------
def _prospect(prospect: object) -> ProspectOut:
    return S.ProspectOut.model_validate(prospect, from_attributes=True)


@api.route("/api/customers/prospects/", ["GET"], permission="prospects.view", query=S.ProspectQuery,
           response=list[S.ProspectOut], paginated=True)
def list_prospects(call: Call) -> Reply:
    """Prospects by id (a sales person sees their own); filters status, source, sales_person, search."""
    return call.listing(lambda window: prospects.list_prospects(call.user, call.query_model, window), _prospect)


@api.route("/api/customers/prospects/", ["POST"], permission="prospects.create", request=S.ProspectIn,
           response=S.ProspectOut, status=201)
def create_prospect(call: Call) -> ProspectOut:
    return _prospect(prospects.create_prospect(call.user, call.body))


@api.route("/api/customers/prospects/{id:int}/", ["GET"], permission="prospects.view", response=S.ProspectOut)
def get_prospect(call: Call) -> ProspectOut:
    return _prospect(prospects.visible(call.user, call.path["id"]))


@api.route("/api/customers/prospects/{id:int}/", ["PUT"], permission="prospects.update", request=S.ProspectIn,
           response=S.ProspectOut, errors=(409,))
def put_prospect(call: Call) -> ProspectOut:
    return _prospect(prospects.update_prospect(call.user, call.path["id"], call.body, partial=False))


@api.route("/api/customers/prospects/{id:int}/", ["PATCH"], permission="prospects.update", request=S.ProspectPatch,
           response=S.ProspectOut, errors=(409,))
def patch_prospect(call: Call) -> ProspectOut:
    return _prospect(prospects.update_prospect(call.user, call.path["id"], call.body, partial=True))


@api.route("/api/customers/prospects/{id:int}/", ["DELETE"], permission="prospects.delete", status=204,
           errors=(409,))
def delete_prospect(call: Call) -> None:
    prospects.delete_prospect(call.user, call.path["id"])


@api.route("/api/customers/prospects/{id:int}/convert/", ["POST"], permission="customers.create",
           request=S.ConvertIn, response=S.CustomerOut, status=201, errors=(409,))
def convert_prospect(call: Call) -> CustomerOut:
    """The prospect becomes an Active customer (its details, its sales person); it is marked converted."""
    return customers.rendered([customers.convert_prospect(call.user, call.path["id"], call.body)])[0]


# -- customers ---------------------------------------------------------------------------------
def _customer(customer: object) -> CustomerOut:
    return customers.rendered([customer])[0]  # type: ignore[list-item]


@api.route("/api/customers/", ["GET"], permission="customers.view", query=S.CustomerQuery,
           response=list[S.CustomerOut], paginated=True)
def list_customers(call: Call) -> Reply:
    """Customers by id (a sales person sees their own); filters assigned_sales_person, status, search."""
    def fetch(window: Any) -> Any:
        part = customers.list_customers(call.user, call.query_model, window)
        part.items = customers.rendered(part.items)
        return part

    return call.listing(fetch)


@api.route("/api/customers/", ["POST"], permission="customers.create", request=S.CustomerIn, response=S.CustomerOut,
           status=201, errors=(409,))
def create_customer(call: Call) -> CustomerOut:
    return _customer(customers.create_customer(call.user, call.body))


@api.route("/api/customers/{id:int}/", ["GET"], permission="customers.view", response=S.CustomerOut)
def get_customer(call: Call) -> CustomerOut:
    return _customer(customers.visible(call.user, call.path["id"]))


@api.route("/api/customers/{id:int}/", ["PUT"], permission="customers.update", request=S.CustomerIn,
           response=S.CustomerOut, errors=(409,))
def put_customer(call: Call) -> CustomerOut:
    return _customer(customers.update_customer(call.user, call.path["id"], call.body, partial=False))


@api.route("/api/customers/{id:int}/", ["PATCH"], permission="customers.update", request=S.CustomerPatch,
           response=S.CustomerOut, errors=(409,))
def patch_customer(call: Call) -> CustomerOut:
    return _customer(customers.update_customer(call.user, call.path["id"], call.body, partial=True))


@api.route("/api/customers/{id:int}/", ["DELETE"], permission="customers.delete", status=204, errors=(409,))
def delete_customer(call: Call) -> None:
    """Refused (409) while the customer has bills."""
    customers.delete_customer(call.user, call.path["id"])


# -- bills -------------------------------------------------------------------------------------
def _bill(bill: object) -> BillOut:
    return bills.rendered([bill])[0]  # type: ignore[list-item]


@api.route("/api/bills/", ["GET"], permission="bills.view", query=S.BillQuery, response=list[S.BillOut], paginated=True)
def list_bills(call: Call) -> Reply:
    """Bills by id (or `ordering=billing_date`); filters status, customer, billing_date, search."""
    def fetch(window: Any) -> Any:
        part = bills.list_bills(call.query_model, window)
        part.items = bills.rendered(part.items)
        return part

    return call.listing(fetch)


@api.route("/api/bills/", ["POST"], permission="bills.create", request=S.BillIn, response=S.BillOut, status=201,
           errors=(409,))
def create_bill(call: Call) -> BillOut:
    """A bill; total_bill and total_due are computed from its lines, discount and amount received."""
    return _bill(bills.create_bill(call.body))


@api.route("/api/bills/{id:int}/", ["GET"], permission="bills.view", response=S.BillOut)
def get_bill(call: Call) -> BillOut:
    return _bill(bills.get_bill(call.path["id"]))


@api.route("/api/bills/{id:int}/", ["PUT"], permission="bills.update", request=S.BillIn, response=S.BillOut,
           errors=(409,))
def put_bill(call: Call) -> BillOut:
    return _bill(bills.update_bill(call.path["id"], call.body, partial=False))


@api.route("/api/bills/{id:int}/", ["PATCH"], permission="bills.update", request=S.BillPatch, response=S.BillOut,
           errors=(409,))
def patch_bill(call: Call) -> BillOut:
    return _bill(bills.update_bill(call.path["id"], call.body, partial=True))


@api.route("/api/bills/{id:int}/", ["DELETE"], permission="bills.delete", status=204, errors=(409,))
def delete_bill(call: Call) -> None:
    bills.delete_bill(call.path["id"])


# -- dashboard ---------------------------------------------------------------------------------
@api.route("/api/dashboard/kpis/", ["GET"], permission="dashboard.view", response=S.KpisOut)
def dashboard_kpis(call: Call) -> KpisOut:
    """Revenue, customers and collection rate over the last 30 days, with their changes."""
    return dashboard.kpis(clock().today())


@api.route("/api/dashboard/weekly-revenue/", ["GET"], permission="dashboard.view", response=list[S.WeekRevenueOut])
def dashboard_weekly(call: Call) -> list[WeekRevenueOut]:
    """The last 12 weeks' revenue, oldest first (weeks start on Monday)."""
    return dashboard.weekly(clock().today())


@api.route("/api/dashboard/monthly-revenue/", ["GET"], permission="dashboard.view", response=list[S.MonthRevenueOut])
def dashboard_monthly(call: Call) -> list[MonthRevenueOut]:
    """The last 12 months' revenue, oldest first."""
    return dashboard.monthly(clock().today())


@api.route("/api/dashboard/yearly-revenue/", ["GET"], permission="dashboard.view", response=list[S.YearRevenueOut])
def dashboard_yearly(call: Call) -> list[YearRevenueOut]:
    """The last 5 years' revenue, oldest first."""
    return dashboard.yearly(clock().today())


@api.route("/api/dashboard/customer-wise-revenue/", ["GET"], permission="dashboard.view",
           response=list[S.CustomerRevenueOut], paginated=True)
def dashboard_customers(call: Call) -> Reply:
    """Each customer's all-time revenue, due and collection rate, with their KAM; paginated by id."""
    return call.listing(dashboard.customer_page)


@api.route("/api/dashboard/kam-performance/", ["GET"], permission="dashboard.view", response=list[S.KamOut])
def dashboard_kams(call: Call) -> list[KamOut]:
    """Each sales person's customers and the revenue billed to them."""
    return dashboard.kam_performance()


# -- exports -----------------------------------------------------------------------------------
@api.route("/api/customers/export/", ["GET"], permission="customers.export", query=ExportQuery,
           files=("csv", "xlsx"))
def export_customers(call: Call) -> FileReply:
    """Customers as CSV or Excel (`?format=csv|excel`); a sales person's own only."""
    return FileReply.export(exports.CUSTOMERS, exports.customers_of(call.user), kind=call.query_model.kind)


@api.route("/api/bills/export/", ["GET"], permission="bills.export", query=ExportQuery, files=("csv", "xlsx"))
def export_bills(call: Call) -> FileReply:
    """Bills as CSV or Excel (`?format=csv|excel`), by id."""
    return FileReply.export(exports.BILLS, exports.all_bills(), kind=call.query_model.kind)


# -- imports -----------------------------------------------------------------------------------
UPLOAD_TYPES = (MULTIPART, JSON, FORM)  # anything but multipart simply has no file: "No file provided."


def _imported(call: Call, spec_name: str) -> Any:
    """The file of the multipart field `file`, imported now through core's engine (services.imports)."""
    from chalicelib.products.isp.services import imports

    upload = call.parsed.files.get("file") if call.parsed else None
    if upload is None or not upload.data:
        raise ValidationFailed({"file": ["No file was submitted."]})
    return imports.upload(spec_name, upload.filename, upload.data, call.user)


@api.route("/api/customers/import/", ["POST"], permission="customers.import", response=S.CustomerImportOut,
           content_types=UPLOAD_TYPES, upload="file")
def import_customers(call: Call) -> CustomerImportOut:
    """Customers from CSV or Excel: matched by e-mail (case-insensitive), updated when known, else created;
    refused rows come back numbered as the spreadsheet shows them (header = row 1)."""
    job = _imported(call, "customers")
    counts = job.named_counts()
    created, updated = counts.get("created", 0), counts.get("updated", 0)
    return S.CustomerImportOut(success=True, processed=created + updated + int(job.error_rows or 0), created=created,
                             updated=updated, errors=job.row_errors())


@api.route("/api/bills/import/", ["POST"], permission="bills.import", response=S.BillImportOut,
           content_types=UPLOAD_TYPES, upload="file")
def import_bills(call: Call) -> BillImportOut:
    """Bills from CSV or Excel: a row with `id` changes that bill, one without adds a bill; its customer
    (by `customer_email`) is created when missing, if the caller may create customers."""
    job = _imported(call, "bills")
    counts = job.named_counts()
    created, updated = counts.get("created", 0), counts.get("updated", 0)  # bills
    return S.BillImportOut(success=True, processed=created + updated + int(job.error_rows or 0),
                         customers_created=counts.get("customers_created", 0), bills_created=created,
                         bills_updated=updated, errors=job.row_errors())


def register_imports() -> None:
    """Core's presign and job-status routes, for files too big for one request (more than 1,000 rows):
    `POST /api/imports/presign/` (the import type's permission, `customers.import` or `bills.import`, is
    checked by the engine) and `GET /api/imports/{job_id}/` (the caller's own jobs; admins see all)."""
    from chalicelib.core.files.routes import register_import_routes
    from chalicelib.products.isp.services import imports

    if not any(route.name == "import_presign" for route in api.routes):
        register_import_routes(api, imports.engine, [imports.CUSTOMERS.name, imports.BILLS.name], roles=None)
