"""The test kit (tests/kit/) on a product of a few lines: the per-product app fixture and the HTTP
wrapper. RepaySync's tests are the kit's other users."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.attributes import UnicodeAttribute

from chalicelib.core.db.base import BaseModel, meta
from tests.kit.app import app_fixture
from tests.kit.http import Http, UnexpectedStatus
from tests.kit.stage import fresh_stage

SLUG = "kittiny"


class Note(BaseModel):
    Meta = meta("notes", SLUG)
    owner = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute(range_key=True)


def tiny_app() -> Any:
    """A product with a public route, a route for any user and one for bosses, and a notes table."""
    from chalicelib.core.api import Api, Call
    from chalicelib.core.app_factory import assemble_app
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.config import load_settings
    from chalicelib.core.errors import render_error_or_errors
    from chalicelib.core.product import Product

    api = Api(SLUG, render_error_or_errors)

    @api.route("/api/about/", ["GET"], public=True)
    def about(call: Call) -> dict[str, Any]:
        return {"product": SLUG}

    @api.route("/api/notes/", ["GET"])
    def notes(call: Call) -> list[str]:
        """The caller's notes."""
        return [note.title for note in Note.query(call.user.subject)]

    @api.route("/api/notes/", ["POST"], roles={"boss"}, status=201)
    def create_note(call: Call) -> dict[str, Any]:
        Note(call.user.subject, str(call.parsed.fields["title"])).save()
        return {"ok": True}

    product = Product(slug=SLUG, api=api, models=[Note, revocation_model(SLUG)], roles=("member", "boss"),
                      admin_role="boss")
    settings = load_settings(product=SLUG, signing_key_secret=load_settings().signing_key_secret)
    return assemble_app(product, settings)


app = app_fixture(tiny_app)


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
