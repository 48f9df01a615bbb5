"""Both pagination styles through HTTP on small test products (core only): following every page gives
every item exactly once; a cursor is refused (400) when tampered with, sent to another list, with other
filters or by another user, or of the old unsigned format; it survives a key rotation; the DRF page
object counts and links with absolute URLs; a page past the end is 404."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import BaseModel as Schema
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.core.db.base import BaseModel, meta
from tests.core.conftest import PRODUCT, install_signing_key, session_signing_key

HOST = "crm.example.com"
INVALID = {"errors": {"cursor": ["Invalid cursor."]}}


class Item(BaseModel):
    """Items in groups: a list is a Query on one group, ids ascending."""

    Meta = meta("coretest-paged-items", PRODUCT)
    group = UnicodeAttribute(hash_key=True)
    id = NumberAttribute(range_key=True)


class ItemOut(Schema):
    id: int
    group: str


def fetch_group(group: str):
    from chalicelib.core.db.read import query_page

    return lambda window: query_page(Item, group, window)


def build(paging: Any) -> Any:
    from chalicelib.core.api import Api, Call
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.errors import render_error_or_errors
    from chalicelib.core.product import Product

    api = Api(PRODUCT, render_error_or_errors, title="paging test", paging=paging)

    @api.route("/api/items/", ["GET"], paginated=True, response=list[ItemOut])
    def list_items(call: Call) -> Any:
        group = call.query.get("group", "a")
        return call.listing(fetch_group(group), ItemOut, count=lambda: Item.count(group))

    @api.route("/api/groups/{name}/items/", ["GET"], paginated=True, response=list[ItemOut])
    def group_items(call: Call) -> Any:
        name = call.path["name"]
        return call.listing(fetch_group(name), ItemOut, count=lambda: Item.count(name))

    return Product(slug=PRODUCT, api=api, roles=("calling_agent", "admin"), admin_role="admin",
                   models=[Item, revocation_model(PRODUCT)])


@pytest.fixture()
def make_app(aws_mock, monkeypatch):
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.core.auth import authorizer as authorizer_module
    from chalicelib.core.auth.authorizer import product_tokens, register_authorizer
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.db.tables import ensure_tables
    from local.gateway import install

    aws_mock.reset()
    install()
    install_signing_key()
    if keyring._loaded != [session_signing_key()]:
        keyring.forget()
    monkeypatch.delitem(authorizer_module._services, PRODUCT, raising=False)
    made = []

    def make(paging: Any, items: dict[str, int]) -> Any:
        product = build(paging)
        ensure_tables(product.models)
        with Item.batch_write() as batch:
            for group, count in items.items():
                for number in range(1, count + 1):
                    batch.save(Item(group, number))
        app = Chalice(app_name="crm-pagingtest")
        product.api.attach(app, register_authorizer(app, product))
        client = Client(app)
        client.__enter__()
        made.append(client)
        tokens = product_tokens(product)
        return PagedApp(client, tokens)

    yield make
    for client in made:
        client.__exit__(None, None, None)


class PagedApp:
    def __init__(self, client: Any, tokens: Any) -> None:
        self.client = client
        self.tokens = tokens

    def headers(self, sub: str = "1") -> dict[str, str]:
        from chalicelib.core.auth.principal import Principal

        token = self.tokens.issue(Principal(subject=sub, username=f"user{sub}", roles=frozenset({"admin"}))).access
        return {"Authorization": f"Bearer {token}", "Host": HOST}

    def get(self, url: str, sub: str = "1") -> Any:
        parts = urlsplit(url)  # a Link URL is absolute: send its path and query, as a client would
        target = parts.path + (f"?{parts.query}" if parts.query else "") if parts.scheme else url
        return self.client.http.get(target, headers=self.headers(sub))


def link_target(response: Any) -> str | None:
    """The URL of RFC 8288's rel="next" link, if any."""
    header = response.headers.get("Link")
    if not header:
        return None
    url, _, params = header.partition(";")
    assert params.strip() == 'rel="next"' and url.startswith("<") and url.endswith(">"), header
    return url[1:-1]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- LINK: a plain array, Link and X-Next-Cursor ----------------------------------------------------------
def link_paging():
    from chalicelib.core.paging import Paging, Style

    return Paging(Style.LINK, default=4, maximum=10)


def test_following_link_headers_gives_every_item_exactly_once(make_app):
    api = make_app(link_paging(), {"a": 11, "b": 3})
    seen, url, pages = [], "/api/items/?group=a&page_size=3", 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.body
        body = json.loads(response.body)
        seen += [item["id"] for item in body]
        url = link_target(response)
        pages += 1
        if url:
            assert url.startswith(f"http://{HOST}/api/items/?")
            query = query_of(url)
            assert query["group"] == ["a"] and query["page_size"] == ["3"]  # filters and size kept
            assert query["cursor"] == [response.headers["X-Next-Cursor"]]
        else:
            assert "X-Next-Cursor" not in response.headers
    assert seen == list(range(1, 12)) and pages == 4


def test_default_and_maximum_page_size_are_the_products_rule(make_app):
    api = make_app(link_paging(), {"a": 12})
    assert len(json.loads(api.get("/api/items/").body)) == 4
    assert len(json.loads(api.get("/api/items/?page_size=10").body)) == 10
    too_big = api.get("/api/items/?page_size=11")
    assert too_big.status_code == 400
    assert json.loads(too_big.body) == {"errors": {"page_size": ["Must be between 1 and 10."]}}
    for bad in ("0", "-1", "x", "", " 5", "+5", "\u0665"):
        response = api.get(f"/api/items/?page_size={bad}")
        assert response.status_code == 400 and list(json.loads(response.body)["errors"]) == ["page_size"], bad


def _cursor(api: Any, url: str = "/api/items/?page_size=2", sub: str = "1") -> str:
    return api.get(url, sub).headers["X-Next-Cursor"]


def _flip(cursor: str, position: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[position] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def test_tampered_cursors_are_400(make_app):
    api = make_app(link_paging(), {"a": 6})
    cursor = _cursor(api)
    assert api.get(f"/api/items/?page_size=2&cursor={cursor}").status_code == 200
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    payload = json.loads(raw[17:])
    assert payload == {"group": {"S": "a"}, "id": {"N": "2"}}  # readable, but not writable:
    forged = json.dumps({"group": {"S": "a"}, "id": {"N": "4"}}, separators=(",", ":")).encode()
    for bad in (_flip(cursor, 0), _flip(cursor, 5), _flip(cursor, len(raw) - 3),
                base64.urlsafe_b64encode(raw[:17] + forged).decode().rstrip("="), cursor[:-2], "abc",
                "A" * 2049, "not.base64!"):
        response = api.get(f"/api/items/?page_size=2&cursor={bad}")
        assert response.status_code == 400 and json.loads(response.body) == INVALID, bad


def test_old_unsigned_cursors_are_400(make_app):
    api = make_app(link_paging(), {"a": 6})
    old = base64.urlsafe_b64encode(json.dumps({"group": {"S": "a"}, "id": {"N": "2"}}).encode()).decode().rstrip("=")
    response = api.get(f"/api/items/?cursor={old}")
    assert response.status_code == 400 and json.loads(response.body) == INVALID


def test_a_cursor_is_bound_to_its_list_filters_and_caller(make_app):
    api = make_app(link_paging(), {"a": 6, "b": 6})
    cursor = _cursor(api, "/api/items/?group=a&page_size=2")
    assert api.get(f"/api/items/?group=a&page_size=2&cursor={cursor}").status_code == 200
    assert api.get(f"/api/items/?page_size=5&cursor={cursor}&group=a").status_code == 200  # order, size free
    foreign = [
        ("/api/items/?group=b&page_size=2", "1"),  # other filters
        ("/api/items/?page_size=2", "1"),  # a filter dropped
        ("/api/items/?group=a&extra=1&page_size=2", "1"),  # a filter added
        ("/api/groups/a/items/?page_size=2", "1"),  # another list (same key shape)
        ("/api/items/?group=a&page_size=2", "2"),  # another user
    ]
    for url, sub in foreign:
        response = api.get(f"{url}&cursor={cursor}", sub)
        assert response.status_code == 400 and json.loads(response.body) == INVALID, (url, sub)
    path_cursor = _cursor(api, "/api/groups/a/items/?page_size=2")
    assert api.get(f"/api/groups/a/items/?cursor={path_cursor}").status_code == 200
    assert api.get(f"/api/groups/b/items/?cursor={path_cursor}").status_code == 400  # another path value


def test_cursors_survive_a_key_rotation_until_the_old_key_expires(make_app, fast_keys, monkeypatch):
    import time

    from chalicelib.core.auth import keys
    from chalicelib.core.auth.keys import keyring

    api = make_app(link_paging(), {"a": 6})
    cursor = _cursor(api)
    keyring.rotate(grace_seconds=3600)
    response = api.get(f"/api/items/?page_size=2&cursor={cursor}")
    assert response.status_code == 200 and [item["id"] for item in json.loads(response.body)] == [3, 4]
    fresh = response.headers["X-Next-Cursor"]  # signed with the new key
    monkeypatch.setattr(keys, "_now", lambda: time.time() + 3601)  # the old key's grace is over
    assert api.get(f"/api/items/?page_size=2&cursor={cursor}").status_code == 400
    assert api.get(f"/api/items/?page_size=2&cursor={fresh}").status_code == 200


def test_link_urls_follow_the_api_gateway_host_and_stage(make_app):
    """In AWS the URL is API Gateway's domain and the path as the client sent it (stage included)."""
    from chalicelib.core.paging import base_url

    class Request:
        headers = {"host": "evil.example"}
        context = {"domainName": "abc.execute-api.us-east-1.amazonaws.com", "path": "/prod/api/items/",
                   "stage": "prod"}

    assert base_url(Request()) == "https://abc.execute-api.us-east-1.amazonaws.com/prod/api/items/"
    Request.context = {"path": "/api/items/"}
    Request.headers = {"host": "bad>host; rel=x"}
    assert base_url(Request()) == "http://localhost/api/items/"  # a Host that cannot be echoed safely
    Request.headers = {"host": "127.0.0.1:8000", "x-forwarded-proto": "https"}
    assert base_url(Request()) == "https://127.0.0.1:8000/api/items/"


# -- PAGE: DRF's page object ---------------------------------------------------------------------------
def page_paging():
    from chalicelib.core.paging import Paging, Style

    return Paging(Style.PAGE, default=4, maximum=10)


def test_page_object_counts_and_links_every_page(make_app):
    api = make_app(page_paging(), {"a": 10, "b": 1})
    first = json.loads(api.get("/api/items/?group=a&pageSize=3").body)
    assert first["count"] == 10 and first["previous"] is None
    assert [item["id"] for item in first["results"]] == [1, 2, 3]
    seen, url, number = [], "/api/items/?group=a&pageSize=3", 1
    while url:
        body = json.loads(api.get(url).body)
        assert body["count"] == 10
        expected_previous = {1: None, 2: f"http://{HOST}/api/items/?group=a&pageSize=3"}.get(
            number, f"http://{HOST}/api/items/?group=a&page={number - 1}&pageSize=3")
        assert body["previous"] == expected_previous
        seen += [item["id"] for item in body["results"]]
        url, number = body["next"], number + 1
        if url:
            assert url.startswith(f"http://{HOST}/api/items/?")
            query = query_of(url)
            assert query["group"] == ["a"] and query["pageSize"] == ["3"] and query["page"] == [str(number)]
    assert number == 5
    assert seen == list(range(1, 11))


def test_page_numbers_read_directly_and_past_the_end(make_app):
    api = make_app(page_paging(), {"a": 8, "empty": 0})
    third = json.loads(api.get("/api/items/?pageSize=3&page=3").body)
    assert [item["id"] for item in third["results"]] == [7, 8] and third["next"] is None
    assert third["previous"] == f"http://{HOST}/api/items/?page=2&pageSize=3"
    exact = json.loads(api.get("/api/items/?page=2").body)  # 8 items, 4 a page: page 2 is the last
    assert [item["id"] for item in exact["results"]] == [5, 6, 7, 8] and exact["next"] is None
    for url in ("/api/items/?page=3", "/api/items/?pageSize=3&page=4", "/api/items/?page=99"):
        response = api.get(url)
        assert response.status_code == 404 and json.loads(response.body) == {"error": "Invalid page."}, url
    empty = json.loads(api.get("/api/items/?group=empty").body)
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}
    assert api.get("/api/items/?group=empty&page=2").status_code == 404
    for bad in ("0", "x", "-1", ""):
        response = api.get(f"/api/items/?page={bad}")
        assert response.status_code == 400 and list(json.loads(response.body)["errors"]) == ["page"], bad


def test_a_next_url_cursor_is_bound_to_its_page(make_app):
    api = make_app(page_paging(), {"a": 10})
    following = json.loads(api.get("/api/items/?pageSize=3").body)["next"]
    cursor = query_of(following)["cursor"][0]
    assert [item["id"] for item in json.loads(api.get(following).body)["results"]] == [4, 5, 6]
    for url in (f"/api/items/?page=3&pageSize=3&cursor={cursor}", f"/api/items/?page=2&pageSize=4&cursor={cursor}",
                f"/api/items/?page=2&pageSize=3&cursor={_flip(cursor, 3)}"):
        response = api.get(url)
        assert response.status_code == 400 and json.loads(response.body) == INVALID, url
    assert api.get(following, sub="2").status_code == 400  # another caller


def test_openapi_follows_the_style():
    from chalicelib.core.openapi import build_document

    link = build_document(build(link_paging()).api)["paths"]["/api/items/"]["get"]
    names = [p["name"] for p in link["parameters"]]
    assert names == ["page_size", "cursor"]
    assert set(link["responses"]["200"]["headers"]) == {"Link", "X-Next-Cursor"}
    assert "400" in link["responses"] and "404" not in link["responses"]
    page = build_document(build(page_paging()).api)["paths"]["/api/items/"]["get"]
    params = {p["name"]: p["schema"] for p in page["parameters"]}
    assert list(params) == ["page", "pageSize", "cursor"]
    assert params["pageSize"] == {"type": "integer", "minimum": 1, "maximum": 10, "default": 4}
    body = page["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["required"] == ["count", "next", "previous", "results"]
    assert "headers" not in page["responses"]["200"] and {"400", "404"} <= set(page["responses"])
