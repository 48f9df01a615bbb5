"""The route table: path forms, typed params, replies, and errors that never leak internals."""

from __future__ import annotations

import pytest

from chalicelib.core.api import RouteSpec, require
from chalicelib.core.errors import ValidationFailed


def test_paths_keep_the_spec_form_and_give_chalice_its_own():
    spec = RouteSpec(path="/api/customers/{id:int}/loans/{code}/", methods=("GET",), handler=lambda c: None,
                     name="x")
    assert spec.chalice_path == "/api/customers/{id}/loans/{code}"
    assert spec.openapi_path == "/api/customers/{id}/loans/{code}/"
    assert spec.param_types == {"id": "int", "code": "str"}
    assert RouteSpec(path="/", methods=("GET",), handler=lambda c: None, name="root").chalice_path == "/"


def test_unhandled_error_is_a_500_in_the_products_shape_without_details(core_app, caplog):
    response = core_app.client.http.get("/api/boom/", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 500
    assert response.json_body == {"error": "Internal server error."}
    assert b"hunter2" not in response.body
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert any("unhandled error" in record.getMessage() for record in caplog.records)


def test_reply_status_and_headers_and_empty_204(core_app):
    created = core_app.client.http.post("/api/notes/", headers=core_app.auth(**{"Content-Type": "application/json"}),
                                        body=b'{"title": "x"}')
    assert created.status_code == 201 and created.headers["X-Note"] == "1"
    deleted = core_app.client.http.delete("/api/notes/1/", headers=core_app.auth())
    assert deleted.status_code == 204 and deleted.body == b""


def test_unknown_method_on_a_known_path_is_refused(core_app):
    response = core_app.client.http.request("PATCH", "/api/ping/", headers={})
    assert response.status_code == 405  # Chalice's own body here; API Gateway's GatewayResponses render it
    assert "GET" in response.headers["Allow"]


def test_require_raises_a_field_error():
    require(True, "name", "unused")
    with pytest.raises(ValidationFailed) as caught:
        require(False, "name", "Bad name.")
    assert caught.value.field_errors == {"name": ["Bad name."]}


def test_unknown_method_is_405_in_product_shape(client):
    response = client.http.request("DELETE", "/.well-known/jwks.json",
                                   headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 405
    assert response.json_body == {"error": 'Method "DELETE" not allowed.'}
    assert "GET" in response.headers["Allow"]
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_request_path_drops_the_api_gateway_stage():
    from types import SimpleNamespace

    from chalicelib.core.api import request_path

    deployed = SimpleNamespace(context={"path": "/prod/api/customers/", "stage": "prod"})
    local = SimpleNamespace(context={"path": "/api/customers/"})
    assert request_path(deployed) == "/api/customers/"
    assert request_path(local) == "/api/customers/"


def test_a_permission_is_asked_of_the_products_check(core_app):
    manager = core_app.token(sub="2", username="boss", roles=("manager",))
    agent = core_app.token()
    assert core_app.client.http.get("/api/reports/", headers=core_app.auth(manager)).json_body == {"reports": []}
    refused = core_app.client.http.get("/api/reports/", headers=core_app.auth(agent))
    assert refused.status_code == 403 and "error" in refused.json_body
