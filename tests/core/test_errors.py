"""Error codes on every error class, the real 500, and the coded renderer a product may pick."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from chalicelib.core import errors
from tests.core.logcapture import FakeLambdaContext, api_gateway_event, json_logs


class ItemIn(BaseModel):
    name: str = Field(min_length=1)
    qty: int


def coded_app() -> Any:
    """A product whose spec shows `{"code", "errors"}` bodies (RevisBali's shape)."""
    from chalice import Chalice

    from chalicelib.core.api import Api, Call

    api = Api("coded", errors.render_coded)

    @api.route("/api/boom/", ["GET"], public=True)
    def boom(call: Call) -> None:
        raise KeyError("secret internals: db password is hunter2")

    @api.route("/api/items/", ["POST"], public=True, request=ItemIn, status=201)
    def create(call: Call) -> dict[str, Any]:
        return call.body

    @api.route("/api/items/{id:int}/", ["GET"], public=True)
    def show(call: Call) -> None:
        raise errors.NotFound(f"Item with id {call.path['id']} not found.")

    @api.route("/api/private/", ["GET"], roles={"admin"})
    def private(call: Call) -> dict[str, Any]:
        return {}

    app = Chalice(app_name="crm-coded")
    api.attach(app, None)
    return app


@pytest.fixture()
def coded():
    from chalice.test import Client

    app = coded_app()
    with Client(app) as client:
        yield app, client


def test_every_error_class_has_its_own_code():
    classes = [errors.BadRequest, errors.ValidationFailed, errors.Unauthorized, errors.Forbidden, errors.NotFound,
               errors.MethodNotAllowed, errors.Conflict, errors.PayloadTooLarge, errors.UnsupportedMediaType,
               errors.TooManyRequests, errors.InternalError]
    codes = {cls: cls.code for cls in classes}
    assert codes[errors.ValidationFailed] == "validation_error"
    assert codes[errors.Unauthorized] == "authentication_failed"
    assert codes[errors.Forbidden] == "permission_denied"
    assert codes[errors.NotFound] == "not_found"
    assert codes[errors.Conflict] == "conflict"
    assert codes[errors.InternalError] == "server_error" and errors.InternalError.status == 500
    assert len(set(codes.values())) == len(classes)  # no two classes share a code
    assert errors.Conflict("x", code="duplicate").code == "duplicate"  # an instance may be more precise
    assert errors.ValidationFailed({"a": ["b"]}).code == "validation_error"


def test_coded_renderer_shapes_messages_and_field_errors():
    assert errors.render_coded(errors.Forbidden()) == {
        "code": "permission_denied", "errors": {"detail": "You do not have permission to perform this action."}}
    assert errors.render_coded(errors.ValidationFailed({"email": ["This field must be unique."]})) == {
        "code": "validation_error", "errors": {"email": ["This field must be unique."]}}


def test_repaysync_shapes_are_unchanged():
    assert errors.render_error_or_errors(errors.InternalError()) == {"error": "Internal server error."}
    assert errors.render_error_or_errors(errors.ValidationFailed({"a": ["b"]})) == {"errors": {"a": ["b"]}}


def test_the_always_error_renderer_keeps_error_and_adds_the_fields():
    assert errors.render_error_always(errors.Forbidden()) == {
        "error": "You do not have permission to perform this action."}
    assert errors.render_error_always(errors.ValidationFailed({"status": ["This field is required."],
                                                               "notes": ["Too long."]})) == {
        "error": "status: This field is required.",
        "errors": {"status": ["This field is required."], "notes": ["Too long."]}}
    assert errors.render_error_always(errors.ValidationFailed({"non_field_errors": ["Pick one."]})) == {
        "error": "Pick one.", "errors": {"non_field_errors": ["Pick one."]}}


def test_coded_product_answers_its_shape_through_http(coded):
    _, client = coded
    invalid = client.http.post("/api/items/", headers={"Content-Type": "application/json"}, body=b'{"name": ""}')
    assert invalid.status_code == 400
    assert invalid.json_body["code"] == "validation_error"
    assert set(invalid.json_body["errors"]) == {"name", "qty"}
    missing = client.http.get("/api/items/999/")
    assert missing.status_code == 404
    assert missing.json_body == {"code": "not_found", "errors": {"detail": "Item with id 999 not found."}}
    anonymous = client.http.get("/api/private/")
    assert anonymous.status_code == 401 and anonymous.json_body["code"] == "authentication_failed"
    crashed = client.http.get("/api/boom/")
    assert crashed.status_code == 500
    assert crashed.json_body == {"code": "server_error", "errors": {"detail": "Internal server error."}}
    assert b"hunter2" not in crashed.body and b"KeyError" not in crashed.body


def test_an_unexpected_exception_is_one_log_line_with_traceback_and_the_request_id(coded):
    app, _ = coded
    event = api_gateway_event("GET", "/api/boom/", request_id="apigw-req-42")
    with json_logs() as lines:
        response = app(event, FakeLambdaContext("lambda-req-7"))
    assert response["statusCode"] == 500
    assert "hunter2" not in response["body"]
    crashes = lines.with_message("unhandled error")
    assert len(crashes) == 1
    line = crashes[0]
    assert line["level"] == "ERROR" and line["correlation_id"] == "apigw-req-42"
    assert line["exception_name"] == "KeyError" and "Traceback" in line["exception"]
    assert "hunter2" in line["exception"]  # the details go to the log, not to the client
    assert json.loads(response["body"])["code"] == "server_error"


def test_without_an_api_gateway_id_the_lambda_request_id_correlates(coded):
    app, _ = coded
    event = api_gateway_event("GET", "/api/boom/", request_id="")
    with json_logs() as lines:
        app(event, FakeLambdaContext("lambda-req-8"))
    assert [line["correlation_id"] for line in lines.with_message("unhandled error")] == ["lambda-req-8"]


def test_a_field_named_like_a_type_tag_keeps_its_name():
    """pydantic's union tags (`.date`, `.int`) are dropped from locations, never the field itself."""
    import datetime as dt

    from pydantic import ValidationError

    class Row(BaseModel):
        date: dt.date | None = None
        time: int | str

    with pytest.raises(ValidationError) as caught:
        Row.model_validate({"date": "soon", "time": [1]})
    assert set(errors.pydantic_field_errors(caught.value)) == {"date", "time"}
