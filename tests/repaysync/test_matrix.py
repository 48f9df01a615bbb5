"""The coverage matrix: every RepaySync route x {roles, happy, bad input, officer-404}, over HTTP.

`test_roles` is generated from the app's route table (tests/kit/matrix.py): for every route, no token
and an invalid token are 401, every role the route does not declare gets 403, and every role it
declares gets through (a new route is in it as soon as it is declared; the declared roles themselves are
pinned by docs/openapi/repaysync.json, "Roles: ..." on each operation). The tables below add, with
exact bodies in the spec's shapes `{"error": "..."}` and `{"errors": {"field": [...]}}`, the happy
paths, bad input and object-level cells that the other test files do not already cover.

Not applicable, by design:
- 401/403 for the public routes (`/api/auth/token/`, `/api/auth/token/refresh/`, `/.well-known/jwks.json`,
  `/openapi.json`): they take no bearer token at all (logging in, refreshing, and publishing the keys
  and the API description must work before a client holds an access token). `/api/users/register/` is
  public for agents and officers, but an invalid token is 401 and a non-admin one 403 for the privileged
  roles: those cells are in the tables.
- 403 on routes every role may call (lists and reads of customers, loans and interactions; interaction
  edits, where the 403 is object-level: only the creator, a manager or an admin; logout, where the 403
  is another user's refresh token: tests/repaysync/test_auth.py).
- officer-404 on routes officers may not call at all (403 first), on the users list, logs and imports.
  An import job of another manager is the same idea (ownership) and answers 404 too.
- 400 for routes without a body or query: a malformed integer id is a 404 `{"error": "Not found."}`
  (as Django's `<int:id>` would answer), which the bad-input table records instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.kit.app import build_app
from tests.kit.matrix import Matrix
from tests.kit.world import Records, world_fixture
from tests.repaysync.conftest import OFFICERS, WORLD, bearer, customer_body, loan_body, make_user

MATRIX = Matrix(build_app("repaysync"))

FORBIDDEN = {"error": "You do not have permission to perform this action."}
NOT_CREATOR = {"error": "Only the creator, a manager or an admin can change this interaction."}
ADMIN_ONLY = {"error": "Only an admin can register a manager or an admin."}
NOT_FOUND = {"error": "Not found."}
REQUIRED = ["This field is required."]
DISPOSITIONS = ["Input should be 'called', 'visited' or 'promise_to_pay'"]
INTERACTION = {"id", "loan", "comment", "disposition", "timestamp", "next_call_date", "created_by",
               "interaction_type"}


# -- the seeded world, with interactions and an import job ---------------------------------------
@dataclass(frozen=True)
class Ref:
    """A value known only once the world exists (an id)."""

    name: str


def _interaction(author: str, kind: str, disposition: str) -> Records:
    """A `kind` interaction by `author` (the owner, when None) on each officer's loan."""

    def create(world, owner: str, index: int) -> Any:
        from chalicelib.products.repaysync import services
        from chalicelib.products.repaysync.schemas import InteractionIn

        who = author or owner
        body = InteractionIn(loan=world.loans[owner].id, comment=f"{kind} by {who}", disposition=disposition,
                             next_call_date="2025-03-15")
        return services.create_interaction(services.principal_of(world.users[who]), kind, body)

    return create


def _import_job(world, owner: str, index: int) -> str:
    from chalicelib.products.repaysync import imports, services

    return imports.engine().presign("customers", "big.csv", services.principal_of(world.users[owner]))["job_id"]


MATRIX_WORLD = WORLD.with_records(
    Records("field", OFFICERS, _interaction(None, "field", "visited")),
    Records("calls", OFFICERS, _interaction("agent", "calling", "called")),
    Records("jobs", ("manager",), _import_job))
world = world_fixture(MATRIX_WORLD)


@pytest.fixture()
def ids(world) -> dict[str, Any]:
    """Ids for the path placeholders: `mine` belongs to `officer`, `theirs` to `other_officer`."""
    values = {f"{name}_id": user.id for name, user in world.users.items()}
    values.update(
        cust_mine=world.customers["officer"].id, cust_theirs=world.customers["other_officer"].id,
        loan_mine=world.loans["officer"].id, loan_theirs=world.loans["other_officer"].id,
        field_mine=world.field["officer"].id, field_theirs=world.field["other_officer"].id,
        call_mine=world.calls["officer"].id, call_theirs=world.calls["other_officer"].id,
        job=world.jobs["manager"])
    return values


def resolve(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, Ref):
        return ids[value.name]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {resolve(k, ids): resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(item, ids) for item in value]
    return value


def request(world, method: str, path: str, body: Any = None, who: str | None = None,
            headers: dict[str, str] | None = None) -> Any:
    headers = dict(headers or {})
    if who is not None:
        headers.update(world.as_(who))
    return world.http.call(method, path, body, headers)


# -- the route x role matrix, generated from the route table (tests/kit/matrix.py) ------------------
@pytest.mark.parametrize("route", MATRIX.params())
def test_roles(world, route):
    """No token and an invalid token are 401, a role the route does not declare 403, a declared one passes."""
    MATRIX.check(route, world)


def test_the_matrix_covers_every_route_and_role(app):
    routes = {route.id for route in MATRIX.routes()}
    assert len(routes) == sum(len(spec.methods) for spec in app.crm_product.api.routes)
    assert {"POST /api/users/register/", "GET /api/logs/", "GET /api/jobs/{job_id}/"} <= routes
    assert MATRIX.roles == ("calling_agent", "collection_officer", "manager", "admin")


# -- happy paths not covered elsewhere -----------------------------------------------------------
HAPPY = [
    # the creator (an officer) replaces their own field interaction
    ("PUT", "/api/interactions/field/{field_mine}/", "officer", {"disposition": "promise_to_pay", "comment": "Later"},
     200, {"id": Ref("field_mine"), "loan": Ref("loan_mine"), "comment": "Later", "disposition": "promise_to_pay",
           "next_call_date": None, "created_by": Ref("officer_id"), "interaction_type": "field"}),
    # calling interactions: read by the officer of the loan, changed and deleted by the agent who made them
    ("GET", "/api/interactions/calling/{call_mine}/", "officer", None,
     200, {"id": Ref("call_mine"), "loan": Ref("loan_mine"), "comment": "calling by agent", "disposition": "called",
           "next_call_date": "2025-03-15", "created_by": Ref("agent_id"), "interaction_type": "calling"}),
    ("PUT", "/api/interactions/calling/{call_mine}/", "agent", {"disposition": "promise_to_pay", "comment": "Will pay"},
     200, {"id": Ref("call_mine"), "loan": Ref("loan_mine"), "comment": "Will pay", "disposition": "promise_to_pay",
           "next_call_date": None, "created_by": Ref("agent_id"), "interaction_type": "calling"}),
    ("PATCH", "/api/interactions/calling/{call_mine}/", "agent", {"next_call_date": "2025-05-01"},
     200, {"id": Ref("call_mine"), "loan": Ref("loan_mine"), "comment": "calling by agent", "disposition": "called",
           "next_call_date": "2025-05-01", "created_by": Ref("agent_id"), "interaction_type": "calling"}),
    ("DELETE", "/api/interactions/calling/{call_mine}/", "agent", None, 200, {"detail": "Interaction deleted."}),
    ("DELETE", "/api/interactions/field/{field_mine}/", "manager", None, 200, {"detail": "Interaction deleted."}),
    # a manager's import job is visible to an admin too
    ("GET", "/api/imports/{job}/", "admin", None, 200, None),
]


@pytest.mark.parametrize(("method", "path", "who", "body", "status", "expected"), HAPPY,
                         ids=[f"{m} {p} as {w}" for m, p, w, *_ in HAPPY])
def test_happy(world, ids, method, path, who, body, status, expected):
    response = request(world, method, resolve(path, ids), body, who)
    assert response.status_code == status, response.body
    got = response.json_body
    if "interaction_type" in (expected or {}):
        assert set(got) == INTERACTION and got.pop("timestamp").endswith("Z")
    if expected is None:  # the import job: its own schema, checked field by field
        assert got["job_id"] == ids["job"] and got["status"] == "pending" and got["import_type"] == "customers"
        assert (got["filename"], got["processed_rows"], got["errors"]) == ("big.csv", 0, [])
    else:
        assert got == resolve(expected, ids)


def test_happy_jwks_verifies_issued_tokens(world):
    import jwt

    response = world.http.get("/.well-known/jwks.json")
    assert response.status_code == 200 and set(response.json_body) == {"keys"}
    keys = jwt.PyJWKSet.from_dict(response.json_body)
    token = world.as_("officer")["Authorization"].split()[1]
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["cognito:groups"] == ["collection_officer"] and claims["sub"] == str(world.users["officer"].id)


def test_happy_openapi_describes_every_route(http):
    response = http.get("/openapi.json")
    assert response.status_code == 200
    document = response.json_body
    assert document["openapi"] == "3.1.0" and document["info"]["title"] == "RepaySync"
    declared = {(method.upper(), path) for path, item in document["paths"].items() for method in item
                if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}}
    assert declared == {(route.method, route.spec.openapi_path) for route in MATRIX.routes()}


# -- bad input: 400 with field errors (or one error), exact bodies -------------------------------
BAD_INPUT = [
    ("POST", "/api/auth/token/refresh/", None, {}, 400, {"errors": {"refresh": REQUIRED}}),
    ("POST", "/api/auth/logout/", "agent", {}, 400, {"errors": {"refresh": REQUIRED}}),
    ("POST", "/api/auth/logout/", "agent", {"refresh": "garbage"}, 400, {"errors": {"refresh": ["Token is invalid."]}}),
    ("POST", "/api/users/register/", None, {"username": "john doe", "email": "john@example.com",
                                            "role": "calling_agent", "password": "SomePassword123"},
     400, {"errors": {"username": ["Use letters, digits and @/./+/-/_ only."]}}),
    ("GET", "/api/users/?page_size=501", "admin", None, 400, {"errors": {"page_size": ["Must be between 1 and 500."]}}),
    ("GET", "/api/users/pending/?cursor=abc", "manager", None, 400, {"errors": {"cursor": ["Invalid cursor."]}}),
    ("POST", "/api/users/abc/approve/", "manager", None, 404, NOT_FOUND),
    ("POST", "/api/users/999/approve/", "manager", None, 404, {"error": "User not found."}),
    ("POST", "/api/users/{agent_id}/approve/", "admin", None,
     409, {"error": "This user is not waiting for approval."}),
    ("POST", "/api/users/abc/reject/", "manager", None, 404, NOT_FOUND),
    ("POST", "/api/users/999/reject/", "admin", None, 404, {"error": "User not found."}),
    ("POST", "/api/users/{officer_id}/reject/", "manager", None,
     409, {"error": "This user is not waiting for approval."}),
    ("GET", "/api/customers/?page_size=abc", "officer", None,
     400, {"errors": {"page_size": ["A valid integer is required."]}}),
    # an empty or full-width page size is no number (int() alone takes "\uff15")
    ("GET", "/api/loans/?page_size=", "officer", None,
     400, {"errors": {"page_size": ["A valid integer is required."]}}),
    ("GET", "/api/loans/?page_size=%EF%BC%95", "officer", None,
     400, {"errors": {"page_size": ["A valid integer is required."]}}),
    ("GET", f"/api/loans/?cursor={'A' * 2049}", "officer", None, 400, {"errors": {"cursor": ["Invalid cursor."]}}),
    ("POST", "/api/customers/create/", "manager", {},
     400, {"errors": {name: REQUIRED for name in ("name", "phone", "address_line_1", "city", "state", "pincode")}}),
    ("POST", "/api/customers/create/", "manager", customer_body(customer_code="CUST0"),
     400, {"errors": {"customer_code": ["A customer with this customer code already exists."]}}),
    ("GET", "/api/customers/abc/", "admin", None, 404, NOT_FOUND),
    ("PUT", "/api/customers/{cust_mine}/", "admin", customer_body(assigned_collection_officer=Ref("agent_id")),
     400, {"errors": {"assigned_collection_officer": [
         'Invalid pk "{agent_id}" - no collection officer with this id.']}}),
    ("PATCH", "/api/customers/{cust_mine}/", "admin", {"date_of_birth": "soon"},
     400, {"errors": {"date_of_birth": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}}),
    ("DELETE", "/api/customers/abc/", "admin", None, 404, NOT_FOUND),
    ("GET", "/api/loans/?page_size=0", "officer", None, 400, {"errors": {"page_size": ["Must be between 1 and 500."]}}),
    ("POST", "/api/loans/", "admin", loan_body(Ref("cust_mine"), principal_amount="NaN", loan_account_number="X1"),
     400, {"errors": {"principal_amount": [
         "Enter a number with at most 12 digits before the decimal point and 2 after it, greater than 0."]}}),
    ("GET", "/api/loans/abc/", "admin", None, 404, NOT_FOUND),
    ("PUT", "/api/loans/{loan_mine}/", "admin", loan_body(999, loan_account_number="LN0"),
     400, {"errors": {"customer": ['Invalid pk "999" - customer does not exist.']}}),
    ("PATCH", "/api/loans/{loan_mine}/", "manager", {"tenure_months": 0},
     400, {"errors": {"tenure_months": ["Input should be greater than or equal to 1"]}}),
    ("DELETE", "/api/loans/abc/", "admin", None, 404, NOT_FOUND),
    ("GET", "/api/loans/customer/{cust_mine}/?cursor=abc", "officer", None,
     400, {"errors": {"cursor": ["Invalid cursor."]}}),
    ("POST", "/api/interactions/field/create/", "officer", {"loan": Ref("loan_mine"), "disposition": None},
     400, {"errors": {"disposition": DISPOSITIONS}}),
    ("GET", "/api/interactions/field/abc/", "officer", None, 404, NOT_FOUND),
    ("PUT", "/api/interactions/field/{field_mine}/", "officer", {"comment": "no disposition"},
     400, {"errors": {"disposition": REQUIRED}}),
    ("PATCH", "/api/interactions/field/{field_mine}/", "officer", {"comment": "x" * 2001},
     400, {"errors": {"comment": ["String should have at most 2000 characters"]}}),
    ("DELETE", "/api/interactions/field/abc/", "officer", None, 404, NOT_FOUND),
    ("GET", "/api/interactions/field/loan/{loan_mine}/?page_size=-1", "officer", None,
     400, {"errors": {"page_size": ["Must be between 1 and 500."]}}),
    ("POST", "/api/interactions/calling/create/", "agent", {"loan": "abc", "disposition": "shouted"},
     400, {"errors": {"loan": ["A valid integer is required."],
                      "disposition": DISPOSITIONS}}),
    ("POST", "/api/interactions/calling/create/", "agent", {"loan": 999, "disposition": "called"},
     400, {"errors": {"loan": ['Invalid pk "999" - loan does not exist.']}}),
    ("GET", "/api/interactions/calling/abc/", "agent", None, 404, NOT_FOUND),
    ("PUT", "/api/interactions/calling/{call_mine}/", "agent", {}, 400, {"errors": {"disposition": REQUIRED}}),
    ("PATCH", "/api/interactions/calling/{call_mine}/", "agent", {"disposition": None},
     400, {"errors": {"disposition": ["This field may not be null."]}}),
    ("DELETE", "/api/interactions/calling/abc/", "agent", None, 404, NOT_FOUND),
    ("GET", "/api/interactions/calling/loan/{loan_mine}/?page_size=x", "agent", None,
     400, {"errors": {"page_size": ["A valid integer is required."]}}),
    ("GET", "/api/logs/?page_size=0", "admin", None, 400, {"errors": {"page_size": ["Must be between 1 and 500."]}}),
    ("POST", "/api/imports/presign/", "manager", {}, 400, {"errors": {"import_type": REQUIRED, "filename": REQUIRED}}),
    ("POST", "/api/imports/presign/", "manager", {"import_type": "loans", "filename": "big.csv"},
     400, {"errors": {"import_type": ['"loans" is not a valid choice.']}}),
    ("POST", "/api/imports/presign/", "manager", {"import_type": "customers", "filename": "big.txt"},
     400, {"errors": {"filename": ["Only .csv and .xlsx files with plain names can be imported."]}}),
    ("GET", "/api/imports/0123456789abcdef0123456789abcdef/", "manager", None, 404, {"error": "Import job not found."}),
    ("GET", "/api/jobs/0123456789abcdef0123456789abcdef/", "manager", None, 404, {"error": "Job not found."}),
    ("GET", "/api/jobs/?page_size=0", "manager", None, 400, {"errors": {"page_size": ["Must be between 1 and 500."]}}),
]


@pytest.mark.parametrize(("method", "path", "who", "body", "status", "expected"), BAD_INPUT,
                         ids=[f"{m} {p} as {w}" for m, p, w, *_ in BAD_INPUT])
def test_bad_input(world, ids, method, path, who, body, status, expected):
    response = request(world, method, resolve(path, ids), resolve(body, ids), who)
    assert response.status_code == status, response.body
    assert response.json_body == resolve(expected, ids)


def test_malformed_json_is_one_error(world):
    response = world.http.client.http.post("/api/loans/", body=b"{not json",
                                           headers={"Content-Type": "application/json", **world.as_("admin")})
    assert response.status_code == 400 and response.json_body == {"error": "Malformed JSON body."}


def test_patch_customer_bad_pincode_type_is_keyed_by_field(world):
    response = world.http.patch(f"/api/customers/{world.customers['officer'].id}/", {"pincode": 1.5},
                                world.as_("admin"))
    assert response.status_code == 400
    assert list(response.json_body) == ["errors"] and list(response.json_body["errors"]) == ["pincode"]


# -- 401 and 403 beyond the matrix ---------------------------------------------------------------
def test_register_privileged_role_with_invalid_token_is_401(http):
    body = {"username": "boss", "email": "boss@example.com", "role": "manager", "password": "SomePassword123"}
    response = http.post("/api/users/register/", body, {"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json_body == {"error": "Token is invalid."}


NOT_YOURS = [
    # an agent reads an officer's field interaction but did not write it; an officer, the agent's call
    *[(method, "/api/interactions/field/{field_mine}/", "agent") for method in ("PUT", "PATCH", "DELETE")],
    *[(method, "/api/interactions/calling/{call_mine}/", "officer") for method in ("PUT", "PATCH", "DELETE")],
]


@pytest.mark.parametrize(("method", "path", "who"), NOT_YOURS, ids=[f"{m} {p} as {w}" for m, p, w in NOT_YOURS])
def test_not_the_creator(world, ids, method, path, who):
    body = {"disposition": "called", "comment": "x"} if method != "DELETE" else None
    response = request(world, method, resolve(path, ids), body, who)
    assert response.status_code == 403 and response.json_body == NOT_CREATOR
    assert request(world, "GET", resolve(path, ids), who=who).status_code == 200  # still there, unchanged


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_register_privileged_role_needs_an_admin(world, role):
    body = {"username": "boss", "email": "boss@example.com", "role": role, "password": "SomePassword123"}
    for who in (None, "manager", "officer", "agent"):
        response = request(world, "POST", "/api/users/register/", body, who)
        assert response.status_code == 403 and response.json_body == ADMIN_ONLY


# -- 404: an officer reaching another officer's records ------------------------------------------
INTERACTION_BODY = {"disposition": "visited", "comment": "mine now"}
OTHER_OFFICERS = [
    ("GET", "/api/customers/{cust_theirs}/", None, {"error": "Customer not found."}),
    ("GET", "/api/loans/{loan_theirs}/", None, {"error": "Loan not found."}),
    ("GET", "/api/loans/customer/{cust_theirs}/", None, {"error": "Customer not found."}),
    ("GET", "/api/interactions/field/loan/{loan_theirs}/", None, {"error": "Loan not found."}),
    ("GET", "/api/interactions/calling/loan/{loan_theirs}/", None, {"error": "Loan not found."}),
    *[(method, f"/api/interactions/{kind}/{{{ref}}}/", body, {"error": "Interaction not found."})
      for kind, ref in (("field", "field_theirs"), ("calling", "call_theirs")) for method, body in
      (("GET", None), ("PUT", INTERACTION_BODY), ("PATCH", INTERACTION_BODY), ("DELETE", None))],
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), OTHER_OFFICERS,
                         ids=[f"{m} {p}" for m, p, *_ in OTHER_OFFICERS])
def test_other_officers_records_are_not_found(world, ids, method, path, body, expected):
    response = request(world, method, resolve(path, ids), body, "officer")
    assert response.status_code == 404, response.body
    assert response.json_body == expected
    assert request(world, "GET", resolve(path, ids), who="other_officer").status_code == 200  # it does exist


def test_officer_cannot_record_a_visit_on_another_officers_loan(world, ids):
    """Creating refers to the loan in the body: out of scope reads as "does not exist" (400), not 403."""
    response = request(world, "POST", "/api/interactions/field/create/",
                       {"loan": ids["loan_theirs"], "disposition": "visited"}, "officer")
    assert response.status_code == 400
    assert response.json_body == {"errors": {"loan": [f'Invalid pk "{ids["loan_theirs"]}" - loan does not exist.']}}


def test_another_managers_import_job_is_not_found(world, ids):
    other = bearer(make_user("manager2", "manager"))
    response = world.http.get(f"/api/imports/{ids['job']}/", other)
    assert response.status_code == 404 and response.json_body == {"error": "Import job not found."}


def test_import_jobs_are_listed_for_their_owner_and_admins(world, ids):
    for who in ("manager", "admin"):
        listed = world.http.get("/api/jobs/", world.as_(who))
        assert listed.status_code == 200, listed.body
        assert [(job["job_id"], job["kind"], job["status"]) for job in listed.json_body] == [
            (ids["job"], "import", "pending")]
    other = bearer(make_user("manager2", "manager"))
    assert world.http.get("/api/jobs/", other).json_body == []
    assert world.http.get(f"/api/jobs/{ids['job']}/", other).status_code == 404
    detail = world.http.get(f"/api/jobs/{ids['job']}/", world.as_("admin")).json_body
    assert (detail["job_id"], detail["errors"], detail["result"]) == (ids["job"], [], None)


def test_error_bodies_are_declared_json(world):
    """Errors rendered by a route carry `Content-Type: application/json`, not just a JSON-looking body."""
    response = world.http.get("/api/logs/", world.as_("agent"))
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == FORBIDDEN
