"""Data-driven permissions (core.auth.rights.RoleRights) behind a route's `permission`: a role's rights
come from a table (here a dict standing in for it), are cached per process for at most a minute, and a
change reaches requests once the cache expires, or at once after `forget`."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.auth.principal import Principal
from chalicelib.core.auth.rights import RoleRights
from tests.kit.app import app_fixture

SLUG = "rightstiny"
TABLE: dict[str, set[str]] = {}
NOW = [1000.0]
reads: list[str] = []


def _load(role: str) -> set[str] | None:
    reads.append(role)
    return set(TABLE[role]) if role in TABLE else None


RIGHTS = RoleRights(_load, clock=lambda: NOW[0])


def tiny_app() -> Any:
    from chalicelib.core.api import Api, Call
    from chalicelib.core.app_factory import assemble_app
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.config import load_settings
    from chalicelib.core.errors import render_detail
    from chalicelib.core.product import Product

    api = Api(SLUG, render_detail, permissions=RIGHTS.allows)

    @api.route("/api/bills/", ["GET"], permission="bills.view")
    def bills(call: Call) -> list[int]:
        return [1, 2]

    product = Product(slug=SLUG, api=api, models=[revocation_model(SLUG)], roles=("accountant",),
                      admin_role="accountant")
    settings = load_settings(product=SLUG, signing_key_secret=load_settings().signing_key_secret)
    return assemble_app(product, settings)


app = app_fixture(tiny_app)


@pytest.fixture(autouse=True)
def fresh_rights():
    TABLE.clear()
    TABLE.update({"accountant": {"bills.view"}, "sales": {"customers.view"}})
    RIGHTS.forget()
    reads.clear()
    NOW[0] = 1000.0


def _token(app: Any, role: str) -> str:
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.core.config import using_settings

    with using_settings(app.crm_product.settings):
        return product_tokens(app.crm_product).issue(Principal("7", "u7", frozenset({role}))).access


def test_a_role_holding_the_permission_passes_and_one_without_it_is_403(app, http):
    assert http.as_(_token(app, "accountant")).get("/api/bills/", expect=200).json_body == [1, 2]
    answer = http.as_(_token(app, "sales")).get("/api/bills/", expect=403).json_body
    assert answer == {"detail": "You do not have permission to perform this action."}
    assert http.as_(_token(app, "nobody")).get("/api/bills/", expect=403)  # a role not in the table: no rights


def test_a_change_of_a_roles_rights_takes_effect_when_the_cache_expires(app, http):
    accountant = http.as_(_token(app, "accountant"))
    accountant.get("/api/bills/", expect=200)
    TABLE["accountant"] = set()  # another process took the permission away
    NOW[0] += 59
    accountant.get("/api/bills/", expect=200)  # still cached
    NOW[0] += 2
    accountant.get("/api/bills/", expect=403)  # read again after a minute
    TABLE["accountant"] = {"bills.view"}
    RIGHTS.forget("accountant")  # a writer in this process
    accountant.get("/api/bills/", expect=200)


def test_rights_are_read_once_per_role_within_the_ttl():
    principal = Principal("1", "u", frozenset({"accountant"}))
    for _ in range(5):
        assert RIGHTS.allows(principal, "bills.view")
        assert not RIGHTS.allows(principal, "bills.delete")
    assert reads == ["accountant"]


def test_a_cache_longer_than_a_minute_is_refused():
    with pytest.raises(ValueError):
        RoleRights(_load, ttl_seconds=61)
