"""RevisBali's HTTP surface (specs/revisbali.md): parse, validate, check the role, call the services.

Bodies, queries and answers are camelCase (core.wire); lists are DRF page objects (`page`, `pageSize`
10 by default, at most 100); errors carry `code` and `errors` (core.errors.render_coded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.api import Api, Call, Reply
from chalicelib.core.errors import Unauthorized, ValidationFailed, render_coded
from chalicelib.core.lazyschemas import Schemas
from chalicelib.core.paging import Paging, Style
from chalicelib.products.revisbali import auth
from chalicelib.products.revisbali.models import PRODUCT
from chalicelib.products.revisbali.roles import ADMIN, EVERYONE
from chalicelib.products.revisbali.services import applications, countries, customer_applications, customers, users

if TYPE_CHECKING:
    from chalicelib.products.revisbali.schemas import (
        ApplicationDetailOut,
        ApplicationOut,
        CustomerDetailOut,
        CustomerOut,
        LoginOut,
        RefreshOut,
        UserOut,
    )

S = Schemas("chalicelib.products.revisbali.schemas")  # loaded on first use (core/lazyschemas.py)

PAGING = Paging(Style.PAGE, default=10, maximum=100)
BAD_CREDENTIALS = "Unable to log in with provided credentials."

api = Api(PRODUCT, render_coded, title="RevisBali CRM", paging=PAGING)


# -- auth (core.auth.flows on RevisBali's user store) --------------------------------------------
@api.route("/api/token/", ["POST"], public=True, request=S.LoginIn, response=S.LoginOut, errors=(429,))
def obtain_token(call: Call) -> LoginOut:
    """E-mail (as `username`, any case) and password for an access `token`, a `refresh` token and the
    user; bad credentials are a 400 `authentication_failed` (throttled per e-mail and address: 429)."""
    try:
        pair = auth.flows().login(call.body.username, call.body.password, call.request)
    except Unauthorized as exc:
        raise ValidationFailed({"nonFieldErrors": [BAD_CREDENTIALS]}, code="authentication_failed") from exc
    user = users.find_by_email(call.body.username)
    return S.LoginOut(token=pair.access, refresh=pair.refresh,
                    user=S.UserBrief(id=user.id, email=user.email, first_name=user.first_name,
                                   last_name=user.last_name, role=user.role))


@api.route("/api/token/refresh/", ["POST"], public=True, request=S.RefreshIn, response=S.RefreshOut, errors=(401,))
def refresh_token(call: Call) -> RefreshOut:
    """A new access token and the next refresh token; the refresh token sent is used up (rotation)."""
    pair = auth.flows().refresh(call.body.refresh)
    return S.RefreshOut(access=pair.access, refresh=pair.refresh)


# -- reference data ------------------------------------------------------------------------------
@api.route("/api/countries/", ["GET"], roles=EVERYONE, response=list[S.CountryOut], paginated=True)
def list_countries(call: Call) -> Reply:
    """The ISO 3166-1 countries in alpha-2 order (`id` is the ISO numeric code)."""
    return call.listing(countries.list_countries, S.CountryOut, count=countries.count_countries)


# -- customers -----------------------------------------------------------------------------------
@api.route("/api/customers/", ["GET"], roles=EVERYONE, query=S.CustomerQuery, response=list[S.CustomerOut],
           paginated=True)
def list_customers(call: Call) -> Reply:
    """Customers (an agent sees their own), newest first unless `ordering` says otherwise; `search`
    finds words starting a firstName, lastName or email (its first 500 matches, in the same ordering)."""
    found = customers.customer_list(call.user, call.query_model)
    return call.listing(lambda window: _rendered_part(found.page(window)), count=found.count)


def _rendered_part(part: Any) -> Any:
    part.items = customers.rendered(part.items)
    return part


@api.route("/api/customers/", ["POST"], roles=EVERYONE, request=S.CustomerIn, response=S.CustomerOut, status=201)
def create_customer(call: Call) -> CustomerOut:
    """A customer; an agent's is always their own. `countryId` must name a country, the e-mail be new."""
    return customers.rendered([customers.create_customer(call.user, call.body)])[0]


@api.route("/api/customers/{id:int}/", ["GET"], roles=EVERYONE, response=S.CustomerDetailOut)
def get_customer(call: Call) -> CustomerDetailOut:
    """The customer with its applications."""
    found = customers.visible(call.user, call.path["id"])
    customer = customers.rendered([found])[0]
    cases = [S.ApplicationBrief.model_validate(application, from_attributes=True)
             for application in customer_applications.of_customer(found.id)]
    return S.CustomerDetailOut(**customer.model_dump(), applications=cases)


@api.route("/api/customers/{id:int}/", ["PATCH"], roles=EVERYONE, request=S.CustomerPatch, response=S.CustomerOut,
           errors=(409,))
def patch_customer(call: Call) -> CustomerOut:
    return customers.rendered([customers.update_customer(call.user, call.path["id"], call.body)])[0]


@api.route("/api/customers/{id:int}/", ["DELETE"], roles=EVERYONE, status=204, errors=(409,))
def delete_customer(call: Call) -> None:
    """Refused (409) while the customer has applications."""
    customers.delete_customer(call.user, call.path["id"])


# -- users (admins manage staff and agents) --------------------------------------------------------
ADMINS = frozenset({ADMIN})


def _user(user: object) -> UserOut:
    return S.UserOut.model_validate(user, from_attributes=True)


@api.route("/api/users/", ["GET"], roles=ADMINS, query=S.UserQuery, response=list[S.UserOut], paginated=True)
def list_users(call: Call) -> Reply:
    """Every user by id, or one role's (`role`)."""
    role = call.query_model.role
    return call.listing(lambda window: users.list_users(window, role), _user, count=lambda: users.count_users(role))


@api.route("/api/users/", ["POST"], roles=ADMINS, request=S.UserIn, response=S.UserOut, status=201)
def create_user(call: Call) -> UserOut:
    """A staff member or an agent, who logs in with this e-mail and password."""
    return _user(users.add_user(call.body))


@api.route("/api/users/{id:int}/", ["GET"], roles=ADMINS, response=S.UserOut)
def get_user(call: Call) -> UserOut:
    return _user(users.get_user(call.path["id"]))


@api.route("/api/users/{id:int}/", ["PATCH"], roles=ADMINS, request=S.UserPatch, response=S.UserOut, errors=(409,))
def patch_user(call: Call) -> UserOut:
    """Names, role, `isActive` or a new password of a staff member or an agent (an admin's: 409)."""
    return _user(users.change_user(call.path["id"], call.body))


@api.route("/api/users/{id:int}/", ["DELETE"], roles=ADMINS, status=204, errors=(409,))
def delete_user(call: Call) -> None:
    """Removes a staff member or an agent (404 afterwards; an admin: 409): deleted when no customer
    names them, else kept, inactive and hidden, for their customers. `isActive: false` deactivates."""
    users.remove_user(call.user, call.path["id"])


# -- applications ----------------------------------------------------------------------------------
def _application(application: object) -> ApplicationOut:
    return S.ApplicationOut.model_validate(application, from_attributes=True)


@api.route("/api/applications/", ["GET"], roles=EVERYONE, query=S.ApplicationQuery, response=list[S.ApplicationOut],
           paginated=True)
def list_applications(call: Call) -> Reply:
    """Applications of the customers the caller sees, newest first (`ordering=createdAt`: oldest), by
    `status` and `customerId` (a customer the caller does not see: an empty page)."""
    query = call.query_model
    return call.listing(lambda window: applications.list_applications(call.user, query, window), _application,
                        count=lambda: applications.count_applications(call.user, query))


@api.route("/api/applications/", ["POST"], roles=EVERYONE, request=S.ApplicationIn, response=S.ApplicationOut,
           status=201)
def create_application(call: Call) -> ApplicationOut:
    """A `draft` application numbered APP-<year>-<id>, for a customer the caller sees."""
    return _application(applications.create_application(call.user, call.body))


@api.route("/api/applications/{id:int}/", ["GET"], roles=EVERYONE, response=S.ApplicationDetailOut)
def get_application(call: Call) -> ApplicationDetailOut:
    """The application with its customer and its documents (with their OCR state)."""
    from chalicelib.products.revisbali.documents.service import of_application
    from chalicelib.products.revisbali.documents.status import document_states

    application, customer = applications.visible(call.user, call.path["id"])
    attached = of_application(application.id)
    states = document_states(attached)
    return S.ApplicationDetailOut(
        id=application.id, application_number=application.application_number,
        customer=S.CustomerBrief.model_validate(customer, from_attributes=True),
        application_type=application.application_type, visa_type=application.visa_type,
        duration=application.duration, purpose=application.purpose, status=application.status,
        documents=[S.DocumentBrief(id=document.id, document_type=document.document_type, file_name=document.file_name,
                                 uploaded_at=document.created_at, ocr_status=states[document.id],
                                 ocr_job_id=document.ocr_job_id) for document in attached],
        created_at=application.created_at, updated_at=application.updated_at)


@api.route("/api/applications/{id:int}/", ["PUT"], roles=EVERYONE, request=S.ApplicationChange,
           response=S.ApplicationOut, errors=(409,))
def put_application(call: Call) -> ApplicationOut:
    """Replace the application's fields (absent optional ones become null); `status` moves it (409 when
    its status does not allow that move or it is closed; 403 for an agent's office decision)."""
    return _application(applications.change_application(call.user, call.path["id"], call.body, replace=True))


@api.route("/api/applications/{id:int}/", ["PATCH"], roles=EVERYONE, request=S.ApplicationPatch,
           response=S.ApplicationOut, errors=(409,))
def patch_application(call: Call) -> ApplicationOut:
    """Change the fields sent; `status` moves the application as in PUT."""
    return _application(applications.change_application(call.user, call.path["id"], call.body, replace=False))

