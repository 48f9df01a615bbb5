"""Request bodies (JSON, form-urlencoded, multipart) into pydantic models, and their error statuses."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from chalicelib.core.config import reset_settings
from tests.kit.bodies import multipart


def post_note(core, body: bytes | str, content_type: str | None = "application/json", token: str | None = None):
    headers = core.auth(token)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return core.client.http.post("/api/notes/", headers=headers,
                                 body=body.encode() if isinstance(body, str) else body)


def test_json_body_is_validated_into_the_model(core_app):
    response = post_note(core_app, json.dumps({"title": "First", "amount": "50000.00", "pages": 3}))
    assert response.status_code == 201, response.body
    body = response.json_body
    assert body["title"] == "First" and body["amount"] == "50000.00" and body["pages"] == 3
    assert body["id"] == 1 and body["files"] == {}
    assert response.headers["X-Note"] == "1"
    assert response.headers["Content-Type"] == "application/json"


def test_form_urlencoded_body_is_validated_into_the_model(core_app):
    body = urlencode({"title": "Form note", "amount": "12.50", "pages": "2"})
    response = post_note(core_app, body, "application/x-www-form-urlencoded; charset=utf-8")
    assert response.status_code == 201, response.body
    assert response.json_body["title"] == "Form note"
    assert response.json_body["amount"] == "12.50" and response.json_body["pages"] == 2


def test_multipart_body_with_a_file(core_app):
    csv = b"name,phone\nAsha,+919999999999\n\xff\xfebinary-tail"
    body, content_type = multipart({"title": "With file", "pages": "4"},
                                   {"file": ("customers.csv", "text/csv", csv)})
    response = post_note(core_app, body, content_type)
    assert response.status_code == 201, response.body
    data = response.json_body
    assert data["title"] == "With file" and data["pages"] == 4
    assert data["files"]["file"]["filename"] == "customers.csv"
    assert data["files"]["file"]["content_type"] == "text/csv"
    assert data["files"]["file"]["size"] == len(csv)  # binary bytes arrive intact
    assert data["files"]["file"]["text"].startswith("name,phone\nAsha")


def test_multipart_without_boundary_or_malformed_is_400(core_app):
    response = post_note(core_app, b"--x\r\nnonsense", "multipart/form-data")
    assert response.status_code == 400
    assert "error" in response.json_body
    response = post_note(core_app, b"garbage without any boundary line at all",
                         "multipart/form-data; boundary=abc")
    assert response.status_code == 400  # a parse error or, with no parts read, a missing field


def test_malformed_json_is_400_with_error(core_app):
    response = post_note(core_app, '{"title": "x",')
    assert response.status_code == 400
    assert response.json_body == {"error": "Malformed JSON body."}
    response = post_note(core_app, b"\xff\xfe\x00")
    assert response.status_code == 400 and "error" in response.json_body


def test_absurdly_nested_json_is_400_not_500(core_app):
    response = post_note(core_app, '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert response.status_code == 400
    assert response.json_body == {"error": "Malformed JSON body."}


def test_json_that_is_not_an_object_is_400(core_app):
    response = post_note(core_app, '["title"]')
    assert response.status_code == 400
    assert set(response.json_body) == {"error"}


def test_missing_fields_are_400_field_errors(core_app):
    response = post_note(core_app, "{}")
    assert response.status_code == 400
    assert response.json_body == {"errors": {"title": ["This field is required."]}}


def test_empty_body_reads_as_no_fields(core_app):
    response = post_note(core_app, b"", None)
    assert response.status_code == 400
    assert response.json_body == {"errors": {"title": ["This field is required."]}}


def test_invalid_values_are_field_errors(core_app):
    response = post_note(core_app, json.dumps({"title": "", "amount": "lots", "pages": "many"}))
    assert response.status_code == 400
    errors = response.json_body["errors"]
    assert set(errors) == {"title", "amount", "pages"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())


def test_wrong_content_type_is_415(core_app):
    response = post_note(core_app, "title=x", "text/plain")
    assert response.status_code == 415
    assert "error" in response.json_body
    response = post_note(core_app, b"<note/>", "application/xml")
    assert response.status_code == 415


def test_oversized_body_is_413(core_app, monkeypatch):
    monkeypatch.setenv("CRM_MAX_BODY_BYTES", "64")
    reset_settings()
    response = post_note(core_app, json.dumps({"title": "x" * 100}))
    assert response.status_code == 413
    assert "error" in response.json_body
    assert post_note(core_app, json.dumps({"title": "short"})).status_code == 201


def test_non_integer_id_is_404(core_app):
    headers = core_app.auth()
    for raw in ("abc", "1.5", "-1", "%C2%B2", "²", "1e3", "9" * 40):
        response = core_app.client.http.get(f"/api/notes/{raw}/", headers=headers)
        assert response.status_code == 404, (raw, response.body)
        assert response.json_body == {"error": "Not found."}


def test_integer_id_reaches_the_handler_typed(core_app):
    created = post_note(core_app, json.dumps({"title": "Typed"})).json_body
    response = core_app.client.http.get(f"/api/notes/{created['id']}/", headers=core_app.auth())
    assert response.status_code == 200
    assert response.json_body["id"] == created["id"]
    # without the trailing slash too, as API Gateway matches it
    assert core_app.client.http.get(f"/api/notes/{created['id']}", headers=core_app.auth()).status_code == 200
    assert core_app.client.http.get("/api/notes/999/", headers=core_app.auth()).status_code == 404


def test_field_errors_for_nested_and_model_level_problems():
    from pydantic import BaseModel, ValidationError, model_validator

    from chalicelib.core.errors import pydantic_field_errors

    class Item(BaseModel):
        qty: int

    class Order(BaseModel):
        items: list[Item]
        start: int = 0
        end: int = 0

        @model_validator(mode="after")
        def ordered(self):
            if self.end < self.start:
                raise ValueError("end must not be before start")
            return self

    try:
        Order.model_validate({"items": [{"qty": "x"}, {}]})
    except ValidationError as exc:
        errors = pydantic_field_errors(exc)
    assert errors["items.1.qty"] == ["This field is required."]
    assert "items.0.qty" in errors
    try:
        Order.model_validate({"items": [], "start": 2, "end": 1})
    except ValidationError as exc:
        errors = pydantic_field_errors(exc)
    assert errors == {"non_field_errors": ["end must not be before start"]}


def test_multipart_empty_file_input_counts_as_no_file(core_app):
    body, content_type = multipart({"title": "No attachment"}, {"file": ("", "application/octet-stream", b"")})
    response = post_note(core_app, body, content_type)
    assert response.status_code == 201, response.body
    assert response.json_body["files"] == {}


def test_multipart_empty_file_with_a_name_is_still_a_file(core_app):
    body, content_type = multipart({"title": "Empty csv"}, {"file": ("empty.csv", "text/csv", b"")})
    response = post_note(core_app, body, content_type)
    assert response.json_body["files"]["file"]["size"] == 0
