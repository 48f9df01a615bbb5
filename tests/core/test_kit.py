"""The test kit (tests/kit/) on a product of a few lines: the per-product app fixture, the HTTP wrapper,
the seeded world and the route x role matrix. RepaySync's tests are the kit's other users."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel as Schema
from pydantic import Field
from pynamodb.attributes import UnicodeAttribute

from chalicelib.core.db.base import BaseModel, meta
from tests.kit.app import app_fixture
from tests.kit.http import Http, UnexpectedStatus
from tests.kit.matrix import ALLOW, BAD_TOKEN, DENY, NO_TOKEN, UNAUTHENTICATED, Matrix
from tests.kit.stage import fresh_stage
from tests.kit.world import Blueprint, Records, world_fixture

SLUG = "kittiny"


class Note(BaseModel):
    Meta = meta("notes", SLUG)
    owner = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute(range_key=True)


class NoteIn(Schema):
    title: str = Field(min_length=1, max_length=50)


def tiny_app() -> Any:
    """A product with a public route, an optional-auth one, a route for any user, one for bosses, one
    needing a permission (only bosses hold it), and a notes table keyed by owner."""
    from chalicelib.core.api import Api, Call
    from chalicelib.core.app_factory import assemble_app
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.config import load_settings
    from chalicelib.core.errors import NotFound, render_error_or_errors
    from chalicelib.core.product import Product

    api = Api(SLUG, render_error_or_errors, permissions=lambda principal, permission: "boss" in principal.roles)

    @api.route("/api/about/", ["GET"], public=True)
    def about(call: Call) -> dict[str, Any]:
        return {"product": SLUG}

    @api.route("/api/notes/", ["GET"])
    def notes(call: Call) -> list[str]:
        """The caller's notes."""
        return [note.title for note in Note.query(call.user.subject)]

    @api.route("/api/notes/", ["POST"], roles={"boss"}, request=NoteIn, status=201)
    def create_note(call: Call) -> dict[str, Any]:
        Note(call.user.subject, call.body.title).save()
        return {"ok": True}

    @api.route("/api/notes/{owner}/{id:int}/", ["GET", "DELETE"], permission="notes.manage")
    def someone_elses_note(call: Call) -> dict[str, Any]:
        raise NotFound()

    @api.route("/api/hello/", ["GET"], auth="optional")
    def hello(call: Call) -> dict[str, Any]:
        return {"caller": call.principal.username if call.principal else None}

    product = Product(slug=SLUG, api=api, models=[Note, revocation_model(SLUG)], roles=("member", "boss"),
                      admin_role="boss")
    settings = load_settings(product=SLUG, signing_key_secret=load_settings().signing_key_secret)
    return assemble_app(product, settings)


app = app_fixture(tiny_app)


def _member(world: Any, name: str, role: str) -> Any:
    from chalicelib.core.auth.principal import Principal

    return Principal(subject=name, username=name, roles=frozenset({role}))  # users live in the token only


def _note(world: Any, owner: str, index: int) -> Note:
    note = Note(owner, f"note {index} of {owner}")
    note.save()
    return note


WORLD = Blueprint(users={"mia": "member", "bob": "boss"}, create_user=_member, principal_of=lambda user: user,
                  records=(Records("notes", ("mia", "bob"), _note),))
world = world_fixture(WORLD)


def token(app: Any, subject: str, *roles: str) -> str:
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.core.auth.principal import Principal
    from chalicelib.core.config import using_settings

    product = app.crm_product
    with using_settings(product.settings):
        return product_tokens(product).issue(Principal(subject, subject, frozenset(roles))).access


# -- the app fixture --------------------------------------------------------------------------------
def test_the_app_fixture_serves_the_product_on_its_stage(app, http):
    assert http.get("/api/about/", expect=200).json_body == {"product": SLUG}
    assert http.as_(token(app, "b1", "boss")).get("/api/notes/", expect=200).json_body == []


def test_each_test_starts_on_a_freshly_deployed_stage(app, http, aws_mock):
    boss = http.as_(token(app, "b1", "boss"))
    boss.post("/api/notes/", {"title": "first"}, expect=201)
    assert boss.get("/api/notes/", expect=200).json_body == ["first"]
    fresh_stage(aws_mock, app)  # what the fixture does before every test
    assert boss.get("/api/notes/", expect=200).json_body == []  # the note is gone, the table and key are there


def test_another_product_runs_next_to_the_tiny_one(app, http, client):
    from chalice.test import Client

    from tests.kit.app import build_app

    repaysync = build_app("repaysync")
    with Client(repaysync) as other:
        assert Http(other).get("/.well-known/jwks.json", expect=200).json_body["keys"]
    assert http.get("/api/about/", expect=200).json_body == {"product": SLUG}


# -- the HTTP wrapper -------------------------------------------------------------------------------
def test_an_unexpected_status_fails_with_the_body(app, http):
    with pytest.raises(UnexpectedStatus) as failure:
        http.get("/api/notes/", expect=200)
    assert str(failure.value) == ("GET /api/notes/: expected 200, got 401 "
                                  '{"error": "Authentication credentials were not provided or are invalid."}')


def test_as_sets_and_drops_the_bearer_token(app, http):
    member = http.as_(token(app, "m1", "member"))
    assert list(member.headers) == ["Authorization"] and member.headers["Authorization"].startswith("Bearer ey")
    member.post("/api/notes/", {"title": "x"}, expect=403)
    member.as_(None).get("/api/notes/", expect=401)
    assert http.headers == {}  # the original is unchanged


# -- the seeded world -------------------------------------------------------------------------------
def test_the_world_holds_users_of_each_role_and_their_records(world):
    assert (world.named("member"), world.named("boss"), world.role_of("bob")) == ("mia", "bob", "boss")
    assert world.notes["bob"].title == "note 1 of bob"
    assert world.client("mia").get("/api/notes/", expect=200).json_body == ["note 0 of mia"]
    assert world.http.get("/api/hello/", world.as_("bob"), expect=200).json_body == {"caller": "bob"}
    with pytest.raises(LookupError, match="no user with the role 'auditor'"):
        world.named("auditor")


def test_each_test_gets_the_world_as_it_was_seeded(world, aws_mock, app, http):
    from tests.kit.world import seed

    bob = world.client("bob")
    bob.post("/api/notes/", {"title": "extra"}, expect=201)
    world.notes["bob"].title = "changed in memory"
    again = seed(aws_mock, app, http, WORLD)  # what the fixture does before every test
    assert again.client("bob").get("/api/notes/", expect=200).json_body == ["note 1 of bob"]
    assert again.notes["bob"].title == "note 1 of bob"


# -- the route x role matrix ------------------------------------------------------------------------
def test_the_matrix_takes_every_route_from_the_table(app):
    matrix = Matrix(app)
    assert [route.id for route in matrix.routes()] == [
        "GET /api/about/", "GET /api/notes/", "POST /api/notes/", "GET /api/notes/{owner}/{id:int}/",
        "DELETE /api/notes/{owner}/{id:int}/", "GET /api/hello/", "GET /.well-known/jwks.json",
        "GET /openapi.json"]
    by_route = {route.id: {cell.caller: cell.expect for cell in matrix.cells(route)} for route in matrix.routes()}
    assert by_route["GET /api/about/"] == {NO_TOKEN: ALLOW, BAD_TOKEN: ALLOW, "member": ALLOW, "boss": ALLOW}
    assert by_route["GET /api/hello/"] == {NO_TOKEN: ALLOW, BAD_TOKEN: UNAUTHENTICATED, "member": ALLOW,
                                           "boss": ALLOW}
    assert by_route["GET /api/notes/"] == {NO_TOKEN: UNAUTHENTICATED, BAD_TOKEN: UNAUTHENTICATED,
                                           "member": ALLOW, "boss": ALLOW}
    assert by_route["POST /api/notes/"] == by_route["DELETE /api/notes/{owner}/{id:int}/"] == {
        NO_TOKEN: UNAUTHENTICATED, BAD_TOKEN: UNAUTHENTICATED, "member": DENY, "boss": ALLOW}
    assert matrix.request(matrix.routes()[3]) == ("/api/notes/" + "0" * 32 + "/987654321/", None)
    assert Matrix(app, values={"owner": "mia"}).request(matrix.routes()[4]) == ("/api/notes/mia/987654321/", None)
    assert matrix.request(matrix.routes()[2]) == ("/api/notes/", {})


def test_every_route_of_the_tiny_product_answers_as_its_table_says(world, app):
    matrix = Matrix(app)
    for route in matrix.routes():
        matrix.check(route, world)


def test_a_route_added_to_the_table_is_in_the_matrix(world):
    from chalicelib.core.api import Call

    app = tiny_app()  # a build of its own: the route is added to this one only
    matrix = Matrix(app)

    @app.crm_product.api.route("/api/reports/", ["GET"], roles={"boss"})
    def reports(call: Call) -> list[str]:
        return []

    added = [route for route in matrix.routes() if route.id == "GET /api/reports/"]
    assert [cell.expect for cell in matrix.cells(added[0])] == [UNAUTHENTICATED, UNAUTHENTICATED, DENY, ALLOW]


def test_a_deny_expectation_fails_when_a_route_wrongly_allows(world, app, monkeypatch):
    matrix = Matrix(app)
    post = next(route for route in matrix.routes() if route.id == "POST /api/notes/")
    monkeypatch.setattr("chalicelib.core.auth.principal.Principal.has_any", lambda self, roles: True)  # a broken check
    assert matrix.failures(post, world) == [
        "POST /api/notes/ as member: expected 403, got 400 {'errors': {'title': ['This field is required.']}}"]
    with pytest.raises(AssertionError, match="as member: expected 403"):
        matrix.check(post, world)


def test_an_allow_expectation_fails_when_a_route_wrongly_refuses(world, app, monkeypatch):
    matrix = Matrix(app)
    notes = next(route for route in matrix.routes() if route.id == "GET /api/notes/")
    monkeypatch.setattr("chalicelib.core.auth.principal.Principal.has_any", lambda self, roles: False)
    assert matrix.failures(notes, world) == [
        f"GET /api/notes/ as {role}: expected allowed, got 403 "
        "{'error': 'You do not have permission to perform this action.'}" for role in ("member", "boss")]
