"""Leads' HTTP surface (specs/leads.md) as a JSON API: parse, validate, check the role, call the services.

Paths are the spec's. Where the spec "renders" a page or "redirects", the route answers the JSON a
frontend needs instead (README.md lists each one). Every POST takes JSON or form-urlencoded bodies
(core/http.py). Lists are plain arrays with a `Link` header (core's paging); errors are `{"error": ...}`
or `{"errors": {field: [...]}}` (core.errors.render_error_or_errors), as the spec's `{"error": ...}`.
"""

from __future__ import annotations

from chalicelib.core.api import Api, Call, Reply
from chalicelib.core.errors import render_error_or_errors
from chalicelib.products.leads import auth
from chalicelib.products.leads.models import PRODUCT, User
from chalicelib.products.leads.schemas import (
    EVERYONE,
    MANAGERS,
    LoginIn,
    LoginOut,
    RefreshIn,
    RefreshOut,
    SuccessOut,
    UserIn,
    UserOut,
    UserPatch,
    UserQuery,
)
from chalicelib.products.leads.services import users

api = Api(PRODUCT, render_error_or_errors, title="Lead CRM")


def _user(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, email=user.email, first_name=user.first_name,
                   last_name=user.last_name, role=user.role, is_active=bool(user.is_active),  # type: ignore[arg-type]
                   date_joined=user.created_at)


# -- auth (core.auth.flows on Leads' user store) ---------------------------------------------------
@api.route("/login/", ["POST"], public=True, request=LoginIn, response=LoginOut, errors=(401, 429))
def login(call: Call) -> LoginOut:
    """Username (any case) and password for an `access` token, a `refresh` token and the user (the
    spec's redirect to the dashboard: the user's `role` says which one). Bad credentials: 401."""
    pair = auth.flows().login(call.body.username, call.body.password, call.request)
    user = users.find_by_username(call.body.username)
    assert user is not None  # the login just found them
    return LoginOut(access=pair.access, refresh=pair.refresh, user=_user(user))


@api.route("/token/refresh/", ["POST"], public=True, request=RefreshIn, response=RefreshOut, errors=(401,))
def refresh_token(call: Call) -> RefreshOut:
    """A new access token and the next refresh token; the refresh token sent is used up (rotation)."""
    pair = auth.flows().refresh(call.body.refresh)
    return RefreshOut(access=pair.access, refresh=pair.refresh)


@api.route("/logout/", ["POST"], roles=EVERYONE, request=RefreshIn, response=SuccessOut)
def logout(call: Call) -> SuccessOut:
    """Ends the session of this refresh token (your own: 403 otherwise): its refresh and access tokens
    stop working. An unknown or already ended one is a 400 on `refresh`."""
    auth.flows().logout(call.body.refresh, call.user)
    return SuccessOut(success=True)


# -- users (admins: everyone; managers: sales users) -----------------------------------------------
@api.route("/users/", ["GET"], roles=MANAGERS, query=UserQuery, response=list[UserOut], paginated=True)
def list_users(call: Call) -> Reply:
    """Users by id: admins see everyone (or one `role`), managers the sales users."""
    return call.listing(lambda window: users.list_users(call.user, window, call.query_model.role), _user)


@api.route("/users/", ["POST"], roles=MANAGERS, request=UserIn, response=UserOut, status=201)
def create_user(call: Call) -> UserOut:
    """A user who logs in with this username and password; a manager creates sales users only (403)."""
    return _user(users.add_user(call.user, call.body))


@api.route("/users/{id:int}/", ["GET"], roles=MANAGERS, response=UserOut)
def get_user(call: Call) -> UserOut:
    return _user(users.managed(call.user, call.path["id"]))


@api.route("/users/{id:int}/", ["PATCH"], roles=MANAGERS, request=UserPatch, response=UserOut, errors=(409,))
def patch_user(call: Call) -> UserOut:
    """Names, e-mail, `is_active`, password; `role` by admins only (403). Deactivating yourself: 409."""
    return _user(users.change_user(call.user, call.path["id"], call.body))


@api.route("/users/{id:int}/", ["DELETE"], roles=MANAGERS, status=204, errors=(409,))
def delete_user(call: Call) -> None:
    """Deactivates the user (leads and their history keep naming them); yourself: 409."""
    users.deactivate_user(call.user, call.path["id"])
