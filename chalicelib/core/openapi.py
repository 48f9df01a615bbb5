"""The product's OpenAPI 3.1 document, generated from its route table and pydantic schemas.

`build_document(api)` reads every `RouteSpec`: path and typed path parameters, methods, query model,
request model (JSON, form and multipart bodies; a file field for upload routes), response model
(a list becomes an array), status, roles and security, plus the product's error bodies, inferred
from its error renderer so each product's shape comes out right. Schemas are hoisted into
`components/schemas`; each create operation links to the routes of the record it answers
(core/openapi_links.py). Output is deterministic (sorted keys) so the committed copy can be compared.

`make openapi` (core/docgen.py) writes docs/openapi/<product>.json for every product that exists; a
test fails when a committed copy is stale. This module never builds an app (app_factory imports it).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core.api import Api, RouteSpec
from chalicelib.core.cursors import MAX_CURSOR_CHARS
from chalicelib.core.errors import (
    ApiError,
    Conflict,
    Forbidden,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.core.openapi_links import add_links
from chalicelib.core.paging import Paging, Style

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON, FORM, MULTIPART = "application/json", "application/x-www-form-urlencoded", "multipart/form-data"
PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},  # api.py: at most 18 ASCII digits
    "uuid": {"type": "string", "format": "uuid"},
    "str": {"type": "string"},
}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
CURSOR_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": MAX_CURSOR_CHARS}
_FIELD = "<field>"
_MESSAGE = "<message>"


# -- error bodies ------------------------------------------------------------------------------
def _shape(value: Any) -> dict[str, Any]:
    """A JSON schema for one rendered error; a key named like the sample field means "any field"."""
    if isinstance(value, dict):
        if set(value) == {_FIELD}:
            return {"type": "object", "additionalProperties": _shape(value[_FIELD])}
        return {"type": "object", "properties": {k: _shape(v) for k, v in value.items()},
                "required": sorted(value)}
    if isinstance(value, list):
        return {"type": "array", "items": _shape(value[0]) if value else {}}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    return {"type": "string"}


def error_schemas(api: Api) -> dict[str, dict[str, Any]]:
    """`ErrorMessage` (401/403/404...) and `ValidationErrors` (400 with fields), from the renderer."""
    message = _shape(api.renderer(ApiError(_MESSAGE)))
    fields = _shape(api.renderer(ApiError(_MESSAGE, field_errors={_FIELD: [_MESSAGE]})))
    schemas = {"ErrorMessage": {**message, "description": "An error with one message."},
               "ValidationErrors": {**fields, "description": "Per-field messages for invalid input."}}
    # anyOf, not oneOf: a product may send its message beside the fields (Leads), matching both shapes
    schemas["Error"] = {"anyOf": [{"$ref": REF.format(model="ErrorMessage")},
                                  {"$ref": REF.format(model="ValidationErrors")}]} \
        if message != fields else {"$ref": REF.format(model="ErrorMessage")}
    return schemas


def error_responses(api: Api) -> dict[str, dict[str, Any]]:
    """Status -> response object, each with the body the product really sends as its example."""
    cases = {
        "400": ("Invalid input.", "Error", ValidationFailed({"name": ["This field is required."]})),
        "401": ("No token, or an invalid or expired one.", "ErrorMessage", Unauthorized()),
        "403": ("The caller's role may not do this.", "ErrorMessage", Forbidden()),
        "404": ("No such record, or not yours to see.", "ErrorMessage", NotFound()),
        "406": ("The Accept header allows neither the file's type nor `application/json` (its link).",
                "ErrorMessage", NotAcceptable("This file is sent as text/csv (or, with Accept: application/json, "
                                              "as a link to download it).")),
        "409": ("A duplicate, a record still in use, or a record changed by someone else since it was read.",
                "ErrorMessage", Conflict("The record was changed by someone else; reload and retry.")),
        "413": ("The body (or the file in it) is too large.", "ErrorMessage",
                PayloadTooLarge("Request body too large.")),
        "415": ("The body's content type is not one this route reads.", "ErrorMessage",
                UnsupportedMediaType('Unsupported media type "text/plain" in request.')),
        "429": ("Too many attempts; the `Retry-After` header says when to try again.", "ErrorMessage",
                TooManyRequests("Too many attempts; try again later.")),
    }
    return {status: {"description": text, "content": {JSON: {
        "schema": {"$ref": REF.format(model=schema)}, "example": api.renderer(error)}}}
        for status, (text, schema, error) in cases.items()}


# -- schemas -----------------------------------------------------------------------------------
class _Schemas:
    """Collects every type the routes mention, then renders them in one pass (shared `$defs`)."""

    def __init__(self) -> None:
        self._wanted: dict[tuple[str, str], Any] = {}
        self.defs: dict[str, Any] = {}

    def want(self, tp: Any, mode: str) -> tuple[str, str]:
        key = (_type_key(tp), mode)
        self._wanted.setdefault(key, tp)
        return key

    def render(self) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, Any]]:
        from pydantic import TypeAdapter

        if not self._wanted:
            return {}, {}
        inputs = [(key, key[1], TypeAdapter(tp)) for key, tp in sorted(self._wanted.items())]
        found, defs = TypeAdapter.json_schemas(inputs, ref_template=REF)
        self.defs = defs.get("$defs", {})
        return {key: schema for (key, _mode), schema in found.items()}, self.defs


def _type_key(tp: Any) -> str:
    return f"{getattr(tp, '__module__', '')}.{getattr(tp, '__qualname__', repr(tp))}" \
        if isinstance(tp, type) else repr(tp)


def _responses_of(spec: RouteSpec) -> dict[int, Any]:
    """Status -> response type; a route may also declare `response={201: A, 200: B}`."""
    if isinstance(spec.response, dict) and all(isinstance(k, int) for k in spec.response):
        return dict(spec.response)
    return {spec.status: spec.response}


# -- operations --------------------------------------------------------------------------------
def _tag(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p and not p.startswith("{")]
    if parts and parts[0] == "api" and len(parts) > 1:
        return parts[1]
    return "auth" if parts and parts[0] == ".well-known" else (parts[0] if parts else "root")


def _operation(spec: RouteSpec, method: str, schemas: dict[tuple[str, str], dict[str, Any]],
               registry: _Schemas, operation_id: str, errors: dict[str, dict[str, Any]],
               paging: Paging) -> dict[str, Any]:
    summary, _, rest = (spec.summary or spec.name.replace("_", " ").capitalize()).partition("\n")
    lines = [rest.strip()] if rest.strip() else []
    op: dict[str, Any] = {"operationId": operation_id, "summary": summary.strip(), "tags": [_tag(spec.path)]}
    if spec.optional_auth:
        lines.append("Public: no token needed; a token, when sent, must be valid and identifies the caller.")
        op["security"] = [{}, {"bearerAuth": []}]
    elif spec.public:
        lines.append("Public: no token needed.")
        op["security"] = []
    else:
        op["security"] = [{"bearerAuth": []}]
        if spec.roles:
            op["x-roles"] = sorted(spec.roles)
            lines.append("Roles: " + ", ".join(f"`{role}`" for role in sorted(spec.roles)) + ".")
        if spec.permission:
            op["x-permission"] = spec.permission
            lines.append(f"Permission: `{spec.permission}`.")
        if not spec.roles and not spec.permission:
            lines.append("Any signed-in user.")
    op["description"] = "\n\n".join(lines)

    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": dict(PARAM_SCHEMAS.get(kind, PARAM_SCHEMAS["str"]))}
        for name, kind in spec.param_types.items()]
    if spec.query is not None:
        query = schemas[registry.want(spec.query, "validation")]
        query = _resolve(query, registry)
        required = set(query.get("required", []))
        for name, prop in sorted(query.get("properties", {}).items()):
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            parameters.append(param)
    if spec.paginated:
        parameters += paging_parameters(paging)
    if spec.idempotent:
        from chalicelib.core.idempotency import PARAMETER

        parameters.append(dict(PARAMETER))
    if parameters:
        op["parameters"] = parameters

    if spec.request is not None:
        body = schemas[registry.want(spec.request, "validation")]
        types = [t for t in (JSON, FORM, MULTIPART) if t in spec.body_types] or [JSON]
        # A body whose fields are all optional may be left out: the route reads no body as `{}`.
        op["requestBody"] = {"required": bool(_resolve(body, registry).get("required")), "content": {
            t: _form_body(body, registry) if t == MULTIPART else {
                "schema": body if t == JSON else form_schema(body, registry)} for t in types}}
    elif spec.upload is not None:
        op["requestBody"] = {"required": True, "content": {MULTIPART: {"schema": {
            "type": "object", "required": [spec.upload],
            "properties": {spec.upload: {"type": "string", "format": "binary",
                                         "contentMediaType": "application/octet-stream",
                                         "description": "The file (CSV or XLSX)."}}}}}}

    responses: dict[str, Any] = {}
    for status, response_type in sorted(_responses_of(spec).items()):
        response: dict[str, Any] = {"description": "No content." if response_type is None else "Success."}
        if response_type is not None:
            schema = schemas[registry.want(response_type, "serialization")]
            if spec.paginated and status < 300:
                schema = paged_schema(paging, schema)
            response["content"] = {JSON: {"schema": schema}}
        if spec.files and status == spec.status:
            response.update(_file_response(spec, schemas, registry))
        if spec.paginated and status < 300 and paging.style is Style.LINK:
            response["headers"] = LINK_HEADERS
        responses[str(status)] = response
    reads_body = spec.request is not None or method in BODY_METHODS  # api.Api._run reads it: 413, 415
    takes_input = reads_body or spec.query is not None or spec.paginated
    restricted = bool(spec.roles or spec.permission)
    pages = spec.paginated and paging.style is Style.PAGE  # a page past the end is 404
    wanted = {"400": takes_input, "401": not spec.public or spec.optional_auth, "403": not spec.public and restricted,
              "404": bool(spec.param_types) or pages, "409": not spec.public and method in MUTATING,
              "413": reads_body, "415": reads_body}
    wanted["406"] = bool(spec.files)
    wanted.update({str(status): True for status in spec.errors})
    responses.update({status: errors[status] for status, needed in sorted(wanted.items()) if needed})
    op["responses"] = responses
    return op


def _file_response(spec: RouteSpec, schemas: dict[tuple[str, str], dict[str, Any]],
                   registry: _Schemas) -> dict[str, Any]:
    """A route answering a file (core/files/answer.py): the file itself, or the JSON link to it."""
    from chalicelib.core.files.answer import FILE_TYPES, INLINE_MAX_BYTES, ExportLink

    content: dict[str, Any] = {FILE_TYPES[kind].content_type: {"schema": {"type": "string", "format": "binary"}}
                               for kind in spec.files}
    content[JSON] = {"schema": schemas[registry.want(ExportLink, "serialization")]}
    kinds = " or ".join(f"`{FILE_TYPES[kind].media_type}`" for kind in spec.files)
    return {"description": (
        f"The file ({kinds}, with `Content-Disposition: attachment`) when the request's first Accept type "
        f"is the file's and it is at most {INLINE_MAX_BYTES // (1024 * 1024)} MiB; otherwise (a bigger file, "
        "or Accept: application/json) a JSON link: a presigned GET valid `expires_in` seconds."),
        "content": content}


LINK_HEADERS = {
    "Link": {"description": 'RFC 8288: `<absolute URL of the next page>; rel="next"`; absent on the last page.',
             "schema": {"type": "string"}},
    "X-Next-Cursor": {"description": "The next page's cursor (the `cursor` of the `Link` URL); absent on the "
                                     "last page.", "schema": dict(CURSOR_SCHEMA)}}


def paging_parameters(paging: Paging) -> list[dict[str, Any]]:
    """The query parameters of a list in the product's pagination style."""
    size = {"name": paging.size_param, "in": "query", "required": False, "description": "Items per page.",
            "schema": {"type": "integer", "minimum": 1, "maximum": paging.maximum, "default": paging.default}}
    if paging.style is Style.PAGE:
        return [
            {"name": paging.page_param, "in": "query", "required": False,
             "description": "Page number, from 1. A page past the end is 404 (page 1 of an empty list is not). "
                            "Page N read directly costs N reads; following `next` costs one.",
             "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999, "default": 1}},
            size,
            {"name": paging.cursor_param, "in": "query", "required": False,
             "description": "Part of a `next` URL, as it came (opaque, bound to that page of this list for "
                            "this caller: any other value is refused with 400).", "schema": dict(CURSOR_SCHEMA)}]
    return [size, {"name": paging.cursor_param, "in": "query", "required": False,
                   "description": "The `X-Next-Cursor` header of the previous page, as it came (or follow the "
                                  "`Link` header). Opaque and bound to this list, its filters and the caller: a "
                                  "cursor the server did not issue for them is refused with 400.",
                   "schema": dict(CURSOR_SCHEMA)}]


def paged_schema(paging: Paging, array: dict[str, Any]) -> dict[str, Any]:
    """A list's body: the array itself (LINK), or DRF's page object around it (PAGE)."""
    if paging.style is not Style.PAGE:
        return array
    url = {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]}
    return {"type": "object", "required": ["count", "next", "previous", "results"], "properties": {
        "count": {"type": "integer", "minimum": 0, "description": "Items in the whole list."},
        "next": {**url, "description": "Absolute URL of the next page; null on the last page."},
        "previous": {**url, "description": "Absolute URL of the previous page; null on the first."},
        "results": array}}


def form_schema(schema: dict[str, Any], registry: _Schemas) -> dict[str, Any]:
    """The body schema as a form or multipart body can carry it: a field is null by being left out,
    since form encodings have no null (a literal `null` part is the string "null")."""
    resolved = _resolve(schema, registry)
    properties = resolved.get("properties")
    if not isinstance(properties, dict):
        return schema
    return {**resolved, "properties": {name: _without_null(prop) for name, prop in properties.items()}}


def _form_body(schema: dict[str, Any], registry: _Schemas) -> dict[str, Any]:
    """A multipart body: an object or a list of objects travels as one part of JSON text."""
    carried = form_schema(schema, registry)
    structured = sorted(name for name, prop in (carried.get("properties") or {}).items()
                        if _structured(_resolve(prop, registry), registry))
    media: dict[str, Any] = {"schema": carried}
    if structured:
        media["encoding"] = {name: {"contentType": JSON} for name in structured}
    return media


def _structured(prop: dict[str, Any], registry: _Schemas) -> bool:
    """An object, or a list whose items are objects (a list of text or numbers is repeated parts)."""
    if prop.get("type") == "object" or "properties" in prop:
        return True
    for branch in prop.get("anyOf") or ():
        if _structured(_resolve(branch, registry), registry):
            return True
    items = prop.get("items")
    return prop.get("type") == "array" and isinstance(items, dict) and _structured(_resolve(items, registry), registry)


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    branches = prop.get("anyOf")
    if not isinstance(branches, list) or {"type": "null"} not in branches:
        return prop
    rest = {key: value for key, value in prop.items() if key not in ("anyOf", "default")}
    kept = [branch for branch in branches if branch != {"type": "null"}]
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _resolve(schema: dict[str, Any], registry: _Schemas) -> dict[str, Any]:
    """A query model's own schema (its properties become parameters), following a top-level $ref."""
    ref = schema.get("$ref")
    if not ref:
        return schema
    name = ref.rsplit("/", 1)[-1]
    return registry.defs.get(name, schema)


def build_document(api: Api) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `api` (call after every route is declared)."""
    registry = _Schemas()
    routes = sorted(api.routes, key=lambda r: (r.openapi_path, r.methods))
    for spec in routes:  # first pass: every type, so one rendering shares all definitions
        if spec.request is not None:
            registry.want(spec.request, "validation")
        if spec.query is not None:
            registry.want(spec.query, "validation")
        for response_type in _responses_of(spec).values():
            if response_type is not None:
                registry.want(response_type, "serialization")
        if spec.files:
            from chalicelib.core.files.answer import ExportLink

            registry.want(ExportLink, "serialization")
    schemas, defs = registry.render()

    paths: dict[str, Any] = {}
    errors = error_responses(api)
    used_ids: set[str] = set()
    for spec in routes:
        for method in spec.methods:
            operation_id = spec.name if spec.name not in used_ids else f"{spec.name}_{method.lower()}"
            while operation_id in used_ids:
                operation_id += "_"
            used_ids.add(operation_id)
            paths.setdefault(spec.openapi_path, {})[method.lower()] = _operation(
                spec, method, schemas, registry, operation_id, errors, api.paging)

    components = {**defs, **error_schemas(api)}
    add_links(paths, components, api.item_of)
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": api.title, "version": api.version,
                 "description": f"The {api.title} API. Send `Authorization: Bearer <access token>` "
                                "on every route that is not marked public."},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
    return json.loads(dump(document))  # plain JSON types (tuples -> lists), keys sorted


def dump(document: dict[str, Any]) -> str:
    """The committed form: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
