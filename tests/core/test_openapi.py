"""The OpenAPI document: generated from the route table, committed, valid, served at /openapi.json."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from chalicelib.core.api import Api, Reply
from chalicelib.core.errors import render_detail, render_error_or_errors
from chalicelib.core.http import FORM, JSON, MULTIPART
from chalicelib.core.openapi import build_document, dump
from chalicelib.core.openapi_route import register_openapi_route
from chalicelib.core.paging import Paging, Style


# -- a small API covering every feature of the generator ---------------------------------------
class Address(BaseModel):
    city: str
    pincode: str = Field(pattern=r"^\d{6}$")


class PersonIn(BaseModel):
    name: str = Field(min_length=1)
    address: Address
    nickname: str | None = None


class PersonOut(BaseModel):
    id: int
    name: str
    address: Address


class Filters(BaseModel):
    city: str | None = None
    active: bool


def _api(renderer=render_error_or_errors) -> Api:
    api = Api("demo", renderer, title="Demo", version="2.0.0", paging=Paging(Style.LINK, default=20, maximum=300))

    @api.route("/api/people/", ["GET"], roles={"admin", "agent"}, response=list[PersonOut], paginated=True,
               query=Filters)
    def list_people(call):
        """Everyone visible to the caller."""
        return Reply([])

    @api.route("/api/people/", ["POST"], roles={"admin"}, request=PersonIn, response=PersonOut, status=201)
    def create_person(call):
        return None

    @api.route("/api/people/{id:int}/", ["GET"], response=PersonOut)
    def get_person(call):
        return None

    @api.route("/api/people/{id:int}/", ["DELETE"], roles={"admin"}, status=204)
    def delete_person(call):
        return None

    @api.route("/api/people/upload/", ["POST"], roles={"admin"}, response=dict, content_types=(MULTIPART, JSON),
               upload="file")
    def upload_people(call):
        return {}

    @api.route("/api/session/", ["POST"], public=True, request=PersonIn, content_types=(JSON, FORM),
               response=PersonOut, errors=(401, 429))
    def public_login(call):
        return None

    @api.route("/api/people/{id:int}/promote/", ["POST"], roles={"admin"}, response=PersonOut)
    def promote_person(call):
        return None

    return api


@pytest.fixture(scope="module")
def doc() -> dict:
    return build_document(_api())


def test_paths_keep_trailing_slash_and_type_path_parameters(doc):
    assert set(doc["paths"]) == {"/api/people/", "/api/people/{id}/", "/api/people/upload/", "/api/session/",
                                 "/api/people/{id}/promote/"}
    get = doc["paths"]["/api/people/{id}/"]["get"]
    assert get["parameters"] == [{"name": "id", "in": "path", "required": True,
                                  "schema": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}}]
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": "Demo", "version": "2.0.0", "description": doc["info"]["description"]}


def test_request_body_schema_is_hoisted_into_components(doc):
    post = doc["paths"]["/api/people/"]["post"]
    content = post["requestBody"]["content"]
    # the default body types of a route, but a form-urlencoded body cannot carry the `address` object
    assert set(content) == {JSON, MULTIPART}
    assert content[JSON]["schema"] == {"$ref": "#/components/schemas/PersonIn"}
    schemas = doc["components"]["schemas"]
    assert schemas["PersonIn"]["properties"]["address"] == {"$ref": "#/components/schemas/Address"}
    assert "Address" in schemas and "$defs" not in json.dumps(doc)
    assert post["responses"]["201"]["content"][JSON]["schema"] == {"$ref": "#/components/schemas/PersonOut"}


def test_list_response_is_an_array_with_pagination(doc):
    get = doc["paths"]["/api/people/"]["get"]
    ok = get["responses"]["200"]
    assert ok["content"][JSON]["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/PersonOut"}}
    assert set(ok["headers"]) == {"Link", "X-Next-Cursor"}
    names = {(p["name"], p["in"], p["required"]) for p in get["parameters"]}
    assert names == {("page_size", "query", False), ("cursor", "query", False), ("city", "query", False),
                     ("active", "query", True)}
    assert get["summary"] == "Everyone visible to the caller."


def test_roles_security_and_error_responses(doc):
    get = doc["paths"]["/api/people/"]["get"]
    assert get["security"] == [{"bearerAuth": []}]
    assert get["x-roles"] == ["admin", "agent"]
    assert "`admin`" in get["description"]
    assert set(get["responses"]) == {"200", "400", "401", "403"}
    any_user = doc["paths"]["/api/people/{id}/"]["get"]
    assert set(any_user["responses"]) == {"200", "401", "404"}  # no role list: no 403
    delete = doc["paths"]["/api/people/{id}/"]["delete"]
    assert delete["responses"]["204"] == {"description": "No content."}
    assert set(delete["responses"]) == {"204", "401", "403", "404", "409"}  # a write may conflict
    public = doc["paths"]["/api/session/"]["post"]
    assert public["security"] == []
    assert set(public["requestBody"]["content"]) == {JSON}  # declared JSON and FORM; a form cannot carry `address`
    assert "403" not in public["responses"] and "409" not in public["responses"]
    # what the route declared it answers, and what reading a body can answer
    assert set(public["responses"]) == {"200", "400", "401", "413", "415", "429"}
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def test_error_schema_follows_the_product_renderer(doc):
    schemas = doc["components"]["schemas"]
    assert schemas["ErrorMessage"]["properties"] == {"error": {"type": "string"}}
    assert schemas["ValidationErrors"]["properties"]["errors"]["additionalProperties"] == {
        "type": "array", "items": {"type": "string"}}
    assert doc["paths"]["/api/people/"]["post"]["responses"]["400"]["content"][JSON]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    detail = build_document(_api(render_detail))["components"]["schemas"]
    assert detail["ErrorMessage"]["properties"] == {"detail": {"type": "string"}}
    assert detail["ValidationErrors"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_page_size_bound_is_the_products_one_rule(doc):
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/people/"]["get"]["parameters"]}
    assert params["page_size"] == {"type": "integer", "minimum": 1, "maximum": 300, "default": 20}
    assert params["cursor"]["pattern"] == "^[A-Za-z0-9_-]*$" and params["cursor"]["maxLength"] == 2048


def test_form_bodies_state_no_null(doc):
    """Form encodings cannot carry null: a field is null by being left out, and the document says so."""
    content = doc["paths"]["/api/people/"]["post"]["requestBody"]["content"]
    form = content[MULTIPART]["schema"]
    assert form["properties"]["nickname"] == {"type": "string", "title": "Nickname"}
    assert content[JSON]["schema"] == {"$ref": "#/components/schemas/PersonIn"}
    json_prop = doc["components"]["schemas"]["PersonIn"]["properties"]["nickname"]
    assert {"type": "null"} in json_prop["anyOf"]


def test_a_body_less_post_documents_no_body(doc):
    promote = doc["paths"]["/api/people/{id}/promote/"]["post"]
    assert "requestBody" not in promote


def test_upload_route_takes_a_multipart_file(doc):
    body = doc["paths"]["/api/people/upload/"]["post"]["requestBody"]
    assert list(body["content"]) == [MULTIPART]
    schema = body["content"][MULTIPART]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["format"] == "binary"


def test_output_is_deterministic():
    assert dump(build_document(_api())) == dump(build_document(_api()))


def test_openapi_json_is_served_without_a_token(client, app):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body == build_document(app.crm_product.api)
    assert "/openapi.json" in body["paths"]


def test_register_openapi_route_is_idempotent():
    api = _api()

    class Holder:
        pass

    holder = Holder()
    holder.api = api
    register_openapi_route(holder)
    register_openapi_route(holder)
    assert [route.path for route in api.routes].count("/openapi.json") == 1
    route = next(route for route in api.routes if route.path == "/openapi.json")
    assert route.public and not route.audited


def test_a_body_is_required_only_when_a_field_is():
    """A PATCH (every field optional) may be sent without a body, which the route reads as `{}`."""
    from chalicelib.core.patch import patch_of

    api = Api("demo", render_error_or_errors)

    @api.route("/api/things/", ["POST"], request=PersonIn, status=201)
    def create(call):
        return {}

    @api.route("/api/things/{id:int}/", ["PATCH"], request=patch_of(PersonIn))
    def patch(call):
        return {}

    doc = build_document(api)
    assert doc["paths"]["/api/things/"]["post"]["requestBody"]["required"] is True
    assert doc["paths"]["/api/things/{id}/"]["patch"]["requestBody"]["required"] is False


# -- links: each create operation points at the routes of the record it answers -----------------
def test_a_create_links_to_every_route_of_its_item(doc):
    links = doc["paths"]["/api/people/"]["post"]["responses"]["201"]["links"]
    assert set(links) == {"get_person", "delete_person", "promote_person"}
    assert links["get_person"]["operationId"] == "get_person"
    assert {link["parameters"]["id"] for link in links.values()} == {"$response.body#/id"}
    operation_ids = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    assert {link["operationId"] for link in links.values()} <= operation_ids


def test_no_link_where_no_id_is_answered_or_no_item_route_exists(doc):
    assert "links" not in doc["paths"]["/api/people/upload/"]["post"]["responses"]["200"]  # answers a dict
    assert "links" not in doc["paths"]["/api/session/"]["post"]["responses"]["200"]  # an id, but no /api/session/{x}/
    assert "links" not in doc["paths"]["/api/people/{id}/promote/"]["post"]["responses"]["200"]
    assert "links" not in doc["paths"]["/api/people/{id}/"]["get"]["responses"]["200"]  # one record, not a list


def test_a_list_links_to_the_routes_of_its_first_item(doc):
    links = doc["paths"]["/api/people/"]["get"]["responses"]["200"]["links"]
    assert set(links) == {"get_person", "delete_person", "promote_person"}
    assert {link["parameters"]["id"] for link in links.values()} == {"$response.body#/0/id"}


def test_a_drf_page_links_from_its_first_result():
    api = Api("demo", render_error_or_errors, paging=Paging(Style.PAGE, default=10, maximum=100))

    @api.route("/api/people/", ["GET"], response=list[PersonOut], paginated=True)
    def list_people(call):
        return Reply([])

    @api.route("/api/people/{id:int}/", ["GET"], response=PersonOut)
    def get_person(call):
        return None

    links = build_document(api)["paths"]["/api/people/"]["get"]["responses"]["200"]["links"]
    assert links["get_person"]["parameters"] == {"id": "$response.body#/results/0/id"}


class JobOut(BaseModel):
    job_id: str
    ocr_ref: str | None = None


def _links_api() -> Api:
    api = Api("demo", render_error_or_errors)

    @api.route("/api/people/", ["POST"], response=list[PersonOut], status=201)
    def create_many(call):
        return []

    @api.route("/api/people/{id:int}/", ["GET"], response=PersonOut)
    def get_person(call):
        return None

    @api.route("/api/batches/start/", ["POST"], response=JobOut, status=201)
    def presign(call):
        return None

    @api.route("/api/batches/{job_id}/", ["GET"], response=JobOut)
    def job(call):
        return None

    @api.route("/api/scans/", ["POST"], response={200: PersonOut, 202: JobOut})
    def scan(call):
        return None

    @api.route("/api/ocr/{ref}/", ["GET"], response=JobOut)
    def ocr(call):
        return None

    @api.route("/api/people/{id:int}/notes/", ["POST"], response=PersonOut, status=201)
    def add_note(call):
        return None

    @api.route("/api/people/{id:int}/notes/{note_id:int}/", ["DELETE"], status=204)
    def delete_note(call):
        return None

    api.answers_item_of("/api/batches/start/", "/api/batches/")
    api.answers_item_of("/api/scans/", "/api/ocr/", field="ocr_ref")
    return api


def test_a_list_answered_links_nowhere():
    post = build_document(_links_api())["paths"]["/api/people/"]["post"]
    assert "links" not in post["responses"]["201"]


def test_a_declared_collection_links_by_the_parameters_name_or_the_declared_field():
    paths = build_document(_links_api())["paths"]
    start = paths["/api/batches/start/"]["post"]["responses"]["201"]["links"]
    assert start == {"job": {"operationId": "job", "parameters": {"job_id": "$response.body#/job_id"},
                             "description": start["job"]["description"]}}
    scan = paths["/api/scans/"]["post"]["responses"]
    assert "links" not in scan["200"]  # the record answered at once has no `ocr_ref`
    assert scan["202"]["links"]["ocr"]["parameters"] == {"ref": "$response.body#/ocr_ref"}


def test_a_nested_create_keeps_the_parents_parameter():
    links = build_document(_links_api())["paths"]["/api/people/{id}/notes/"]["post"]["responses"]["201"]["links"]
    assert links["delete_note"]["parameters"] == {"id": "$request.path.id", "note_id": "$response.body#/id"}


@pytest.mark.parametrize(("path", "collection"), [("/api/nowhere/", "/api/batches/"),
                                                   ("/api/batches/start/", "/api/nothing/")])
def test_a_declared_collection_that_links_nothing_is_refused(path, collection):
    api = _links_api()
    api.answers_item_of(path, collection)
    with pytest.raises(ValueError, match="answers_item_of"):
        build_document(api)
