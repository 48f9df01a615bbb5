"""A form or multipart body means what the same JSON body means: its text is read by each field's type."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from pydantic import BaseModel

from chalicelib.core.api import Api
from chalicelib.core.errors import render_error_or_errors
from chalicelib.core.openapi import build_document
from tests.core.conftest import FormLinesIn, FormTypesIn
from tests.kit.bodies import multipart

FORM = "application/x-www-form-urlencoded"


def post_form(core, body: bytes | str, content_type: str, token: str | None = None, path: str = "/api/forms/"):
    headers = {**core.auth(token), "Content-Type": content_type}
    return core.client.http.post(path, headers=headers, body=body.encode() if isinstance(body, str) else body)


def test_form_text_is_read_by_field_type(core_app):
    body = urlencode([("active", "false"), ("count", "3"), ("ratio", "0.5"), ("tags", "a"), ("tags", "b"),
                      ("ids", "7"), ("ids", "8"), ("owner", ""), ("note", ""), ("level", "2")])
    response = post_form(core_app, body, FORM)
    assert response.status_code == 200, response.body
    assert response.json_body == {"active": False, "count": 3, "ratio": 0.5, "tags": ["a", "b"], "ids": [7, 8],
                                  "owner": None, "note": "", "kind": "plain", "level": 2}


def test_multipart_repeated_parts_are_a_list_and_a_json_part_is_an_object(core_app):
    lines = json.dumps([{"item": "Router", "quantity": 2}])
    body, content_type = multipart({"active": "TRUE", "count": "-4", "tags": "only", "ids": ["1", "2", "3"],
                                    "lines": lines, "owner": "12"}, {})
    response = post_form(core_app, body, content_type, path="/api/forms/lines/")
    assert response.status_code == 200, response.body
    data = response.json_body
    assert data["active"] is True and data["count"] == -4 and data["owner"] == 12
    assert data["tags"] == ["only"] and data["ids"] == [1, 2, 3]
    assert data["lines"] == [{"item": "Router", "quantity": 2}]


def test_text_that_is_not_the_type_is_a_field_error(core_app):
    body, content_type = multipart({"active": "maybe", "count": "\u0663", "ids": ["1", "x"],
                                    "lines": "[{not json"}, {})
    response = post_form(core_app, body, content_type, path="/api/forms/lines/")
    assert response.status_code == 400, response.body
    fields = response.json_body["errors"]
    assert {"active", "count", "ids.1", "lines"} <= set(fields), fields


def test_a_list_is_checked_whole_before_anything_else(core_app):
    """Repeated parts beyond the list's limit are refused, not cut to the last one."""
    body, content_type = multipart({"active": "true", "count": "1", "tags": ["a", "a", "b", "c"]}, {})
    response = post_form(core_app, body, content_type)
    assert response.status_code == 400 and "tags" in response.json_body["errors"], response.body


def test_an_object_field_cannot_come_as_form_urlencoded(core_app):
    form = urlencode({"active": "true", "count": "1"})
    assert post_form(core_app, form, FORM).status_code == 200
    refused = post_form(core_app, form, FORM, path="/api/forms/lines/")
    assert refused.status_code == 415 and "error" in refused.json_body, refused.body


def test_the_document_says_how_a_form_carries_each_field():
    """Lists of text or numbers are repeated parts; an object or a list of objects is a JSON part, and a
    body holding one is not offered as form-urlencoded."""
    api = Api("coretest", render_error_or_errors)

    class Person(BaseModel):
        name: str
        address: FormTypesIn

    for path, model in (("/api/people/", Person), ("/api/forms/", FormTypesIn), ("/api/forms/lines/", FormLinesIn)):
        api.route(path, ["POST"], request=model, public=True)(lambda call: {})
    paths = build_document(api)["paths"]
    people, forms, lines = (paths[path]["post"]["requestBody"]["content"]
                            for path in ("/api/people/", "/api/forms/", "/api/forms/lines/"))
    assert set(people) == set(lines) == {"application/json", "multipart/form-data"}
    assert people["multipart/form-data"]["encoding"] == {"address": {"contentType": "application/json"}}
    assert lines["multipart/form-data"]["encoding"] == {"lines": {"contentType": "application/json"}}
    assert set(forms) == {"application/json", FORM, "multipart/form-data"}
    assert "encoding" not in forms["multipart/form-data"]


def test_form_needs_a_token_and_the_role(core_app):
    body = urlencode({"active": "true", "count": "1"})
    assert core_app.client.http.post("/api/forms/", headers={"Content-Type": FORM}, body=body).status_code == 401
    manager = core_app.token(sub="2", username="boss", roles=("manager",))
    assert post_form(core_app, body, FORM, manager).status_code == 403
