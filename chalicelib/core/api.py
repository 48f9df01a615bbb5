"""Route declaration for every product: one decorator that parses, authorises, renders and logs.

A product declares `api = Api(...)` and its routes with `@api.route(...)`; `api.attach(app)` then
registers them on the Chalice app behind the authorizer, adds a CORS preflight for every path, and
keeps the route table that the OpenAPI document is generated from. Paths are written exactly as the
spec shows them (with the trailing slash); API Gateway and Chalice match them without it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import field
from typing import Any

from pydantic import BaseModel

from chalicelib.core.auth.principal import Principal
from chalicelib.core.config import SettingsSource, get_settings, using_settings
from chalicelib.core.errors import (
    ApiError,
    ErrorRenderer,
    Forbidden,
    InternalError,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from chalicelib.core.http import (
    BODY_TYPES,
    FORM,
    ParsedBody,
    read_body,
    validate,
)
from chalicelib.core.lazyschemas import LazySchema, resolve_schema
from chalicelib.core.logs import correlated, request_correlation_id
from chalicelib.core.paging import LINK_PAGING, Fetch, ListContext, Paging, base_url, paginate
from chalicelib.core.records import Record

logger = logging.getLogger("crm.api")

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Methods API Gateway can route (besides OPTIONS): the ones a path does not serve answer 405 through a
# route, since API Gateway itself answers an unrouted method as an unknown path.
ROUTABLE_METHODS = (*HTTP_METHODS, "HEAD")
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


class Answer:
    """A handler result that renders itself: `answer(request, product)` -> (status, body, headers);
    a bytes body is sent as it is (its headers say what it is)."""

    def answer(self, request: Any, product: str) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError


class Reply(Record):
    """A response with an explicit status or headers (handlers may also return a body directly)."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Call(Record):
    """Everything a handler needs about the request, already checked."""

    request: Any
    principal: Principal | None
    path: dict[str, Any]
    query: dict[str, str]
    body: Any = None
    parsed: ParsedBody | None = None
    method: str = "GET"
    query_model: Any = None
    paging: Paging = LINK_PAGING  # the product's one pagination rule
    route: RouteSpec | None = None
    product: str = ""

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthorized()
        return self.principal

    def listing(self, fetch: Fetch, render: Callable[[Any], Any] | type[BaseModel] | LazySchema | None = None, *,
                count: Callable[[], int] | None = None) -> Reply:
        """A list answer in the product's pagination style (core/paging.py). `fetch` reads one window
        of the list; `render` turns an item into its response (a pydantic model reads its attributes);
        `count` (the PAGE style's total) counts the whole list."""
        render = resolve_schema(render)
        if isinstance(render, type) and issubclass(render, BaseModel):
            model = render
            render = lambda item: model.model_validate(item, from_attributes=True)  # noqa: E731
        caller = f"{self.principal.issuer}|{self.principal.subject}" if self.principal else ""
        path = self.route.filled(self.path) if self.route else base_url(self.request)
        context = ListContext(product=self.product, path=path, query=self.query, caller=caller,
                              base_url=base_url(self.request))
        listing = paginate(context, self.paging, fetch, render or (lambda item: item), count)
        return Reply(listing.body, headers=listing.headers)


class RouteSpec(Record):
    path: str
    methods: tuple[str, ...]
    handler: Callable[..., Any]
    name: str
    roles: frozenset[str] | None = None
    permission: str | None = None
    public: bool = False  # no API Gateway authorizer (also true for optional auth)
    optional_auth: bool = False  # public, but a token sent must be valid and names the caller
    # as declared: a model, or a LazySchema loaded on first use (core/lazyschemas.py); read them
    # through `request`, `response` and `query`, which answer the classes
    request_schema: Any = None
    response_schema: Any = None
    status: int = 200
    content_types: tuple[str, ...] = BODY_TYPES
    query_schema: Any = None
    summary: str = ""
    audited: bool = True
    paginated: bool = False
    upload: str | None = None  # the multipart field an upload route reads its file from
    errors: tuple[int, ...] = ()  # statuses beyond the ones every route of its kind can answer
    files: tuple[str, ...] = ()  # file kinds ("csv", "xlsx") it may answer with a FileReply (core/files/answer.py)
    idempotent: bool = False  # reads an optional Idempotency-Key header (core/idempotency.py)

    @property
    def request(self) -> type[BaseModel] | None:
        """The body's model (its module imported on the route's first use)."""
        return resolve_schema(self.request_schema)

    @property
    def response(self) -> Any:
        """The answer's model: a class, `list[...]` of one, `{status: ...}` or None."""
        return resolve_schema(self.response_schema)

    @property
    def query(self) -> type[BaseModel] | None:
        """The query string's model."""
        return resolve_schema(self.query_schema)

    @property
    def body_types(self) -> tuple[str, ...]:
        """The media types its body may come as: a form-urlencoded body only where it can carry every
        field (no object or list of objects: core/formtext.py); multipart carries those as JSON parts."""
        if self.request is None or FORM not in self.content_types:
            return self.content_types
        from chalicelib.core.formtext import takes_form

        if takes_form(self.request):
            return self.content_types
        return tuple(kind for kind in self.content_types if kind != FORM)

    @property
    def wire(self) -> bool:
        """Whether the route's body or query model is camelCase on the wire (core.wire.WireModel)."""
        from chalicelib.core.wire import is_wire_model

        return is_wire_model(self.request) or is_wire_model(self.query)

    @property
    def chalice_path(self) -> str:
        """`/api/customers/{id:int}/` -> `/api/customers/{id}` (Chalice's form)."""
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", self.path)
        return path.rstrip("/") or "/"

    @property
    def param_types(self) -> dict[str, str]:
        return {m.group(1): (m.group(2) or "str") for m in _PARAM.finditer(self.path)}

    @property
    def openapi_path(self) -> str:
        return _PARAM.sub(lambda m: "{" + m.group(1) + "}", self.path)

    def filled(self, values: dict[str, Any]) -> str:
        """The path with its parameters' values, e.g. `/api/loans/customer/7/`."""
        return _PARAM.sub(lambda m: str(values.get(m.group(1), "")), self.path)


class AuditEntry(Record, frozen=True):
    principal: Principal | None
    method: str
    endpoint: str
    request_payload: str
    response_payload: str
    status_code: int
    duration_ms: float


AuditSink = Callable[[AuditEntry], None]
PermissionCheck = Callable[[Principal, str], bool]


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    return value


class Api:
    """The route table of one product."""

    def __init__(self, product: str, renderer: ErrorRenderer, *, title: str = "", version: str = "1.0.0",
                 audit: AuditSink | None = None, audit_prefix: str = "/api/",
                 permissions: PermissionCheck | None = None, paging: Paging | None = None) -> None:
        self.product = product
        self.permissions = permissions
        self.renderer = renderer
        self.title = title or product
        self.version = version
        self.audit = audit
        self.audit_prefix = audit_prefix
        self.paging = paging or LINK_PAGING  # one rule for every list (style, page size), and its OpenAPI
        self.routes: list[RouteSpec] = []
        # path -> (collection, field) its records also belong to, for OpenAPI links (answers_item_of)
        self.item_of: dict[str, list[tuple[str, str | None]]] = {}
        self.settings: SettingsSource | None = None  # the product's, set when its app is assembled
        self.authorizer: Any = None
        # Authorization header -> Principal, or an ApiError (401); set by register_authorizer
        self.authenticator: Callable[[str], Principal] | None = None

    # -- declaration -------------------------------------------------------------------------
    def route(self, path: str, methods: list[str] | tuple[str, ...] = ("GET",), *,
              roles: set[str] | frozenset[str] | list[str] | None = None, public: bool = False,
              request: type[BaseModel] | LazySchema | None = None, response: Any = None, status: int = 200,
              content_types: tuple[str, ...] = BODY_TYPES, query: type[BaseModel] | LazySchema | None = None,
              summary: str = "", name: str | None = None, audited: bool = True,
              paginated: bool = False, permission: str | None = None, upload: str | None = None,
              errors: tuple[int, ...] = (), auth: str | None = None, files: tuple[str, ...] = (),
              idempotent: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a route. `roles` are checked against the token's groups; `permission` is asked of the
        product's `permissions` check (data-driven roles, where a role's rights live in a table).
        `upload` names the multipart file field of an upload route; `errors` lists the statuses the
        handler itself may answer (409, 429, ...) so the OpenAPI document states them.
        `auth`: "required" (the default), "public" (same as public=True) or "optional": public, but a
        bearer token, when sent, is checked (401 if invalid) and `call.principal` is its user.
        `files`: the file kinds the handler answers by returning a `FileReply` (the document states
        them, the JSON link and 406). `idempotent`: the handler answers through `core.idempotency.idempotent`
        (the document states the optional `Idempotency-Key` header)."""
        if auth not in (None, "required", "public", "optional"):
            raise ValueError(f"auth must be 'required', 'public' or 'optional', not {auth!r}")
        optional = auth == "optional"
        public = public or auth in ("public", "optional")

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.routes.append(RouteSpec(
                path=path, methods=tuple(m.upper() for m in methods), handler=handler,
                name=name or handler.__name__, roles=frozenset(roles) if roles is not None else None,
                public=public, request_schema=request, response_schema=response, status=status,
                content_types=content_types, query_schema=query, summary=summary or (handler.__doc__ or "").strip(),
                audited=audited, paginated=paginated, permission=permission, upload=upload,
                errors=tuple(errors), optional_auth=optional, files=tuple(files),
                idempotent=idempotent))
            return handler
        return register

    def answers_item_of(self, path: str, collection: str, field: str | None = None) -> None:
        """Declare that the records answered at `path` (created by its POST, listed by its GET) are items
        of `collection` (routes under `collection{param}/`) where the paths do not show it, e.g.
        `/api/customers/create/` and `/api/customers/`; `field`: the record's field that is the item's
        parameter (default: the one named like the parameter, else `id`). The OpenAPI document links them
        (core/openapi_links.py)."""
        self.item_of.setdefault(path, []).append((collection, field))

    # -- registration ------------------------------------------------------------------------
    def attach(self, app: Any, authorizer: Any) -> None:
        """Register every route (and its CORS preflight) on the Chalice `app`."""
        self.authorizer = authorizer
        app.crm_error_renderer = self.renderer  # read by the local gateway emulation for 401/403 bodies
        by_path: dict[str, list[RouteSpec]] = {}
        for spec in self.routes:
            by_path.setdefault(spec.chalice_path, []).append(spec)
        for chalice_path, specs in by_path.items():
            for spec in specs:
                app.route(chalice_path, methods=list(spec.methods), name=f"{spec.name}",
                          authorizer=None if spec.public else authorizer,
                          content_types=["*/*"])(self._in_context(app, self._view(app, spec)))
            allowed = sorted({m for spec in specs for m in spec.methods} | {"OPTIONS"})
            if not any("OPTIONS" in spec.methods for spec in specs):
                app.route(chalice_path, methods=["OPTIONS"], name=f"preflight_{len(app.routes)}",
                          content_types=["*/*"])(self._in_context(app, self._preflight(app, allowed)))
            missing = [m for m in ROUTABLE_METHODS if m not in allowed]
            if missing:
                app.route(chalice_path, methods=missing, name=f"not_allowed_{len(app.routes)}",
                          content_types=["*/*"])(self._in_context(app, self._not_allowed(app, allowed)))

    def _preflight(self, app: Any, methods: list[str]) -> Callable[..., Any]:
        def preflight(**_: Any) -> Any:
            from chalice import Response

            headers = cors_headers(app.current_request.headers)
            headers["Access-Control-Allow-Methods"] = ",".join(methods)
            headers["Access-Control-Allow-Headers"] = "Authorization,Content-Type,Idempotency-Key,X-Requested-With"
            headers["Access-Control-Max-Age"] = "600"
            return Response(body="", status_code=204, headers=headers)
        return preflight

    def _not_allowed(self, app: Any, allowed: list[str]) -> Callable[..., Any]:
        """405 in the product's shape (API Gateway would otherwise answer 403 for an unknown method)."""
        def not_allowed(**_: Any) -> Any:
            from chalice import Response

            request = app.current_request
            error = MethodNotAllowed(f'Method "{request.method}" not allowed.')
            headers = {"Allow": ", ".join(allowed), "Content-Type": "application/json",
                       **cors_headers(request.headers)}
            return Response(body=json.dumps(self.renderer(error)), status_code=405, headers=headers)
        return not_allowed

    def _view(self, app: Any, spec: RouteSpec) -> Callable[..., Any]:
        def view(**path_params: Any) -> Any:
            return self.dispatch(app.current_request, spec, path_params)
        view.__name__ = spec.name
        return view

    def _in_context(self, app: Any, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Run `handler` with the product's settings current and the request's correlation id."""
        def run(**path_params: Any) -> Any:
            request_id = request_correlation_id(app.current_request, getattr(app, "lambda_context", None))
            with using_settings(self.settings), correlated(request_id):
                return handler(**path_params)
        run.__name__ = handler.__name__
        return run

    # -- one request -------------------------------------------------------------------------
    def dispatch(self, request: Any, spec: RouteSpec, path_params: dict[str, Any]) -> Any:
        from chalice import Response

        started = time.perf_counter()
        principal = Principal.from_context((request.context or {}).get("authorizer"))
        call = Call(request=request, principal=principal, path={}, query=dict(request.query_params or {}),
                    method=request.method, paging=self.paging, route=spec, product=self.product)
        try:
            status, body, headers = self._run(spec, call, path_params)
        except ApiError as error:
            if error.field_errors and spec.wire:  # name fields as the client sent them (core.wire)
                from chalicelib.core.wire import wire_field_errors

                error.field_errors = wire_field_errors(error.field_errors, spec.request, spec.query)
            status, body, headers = error.status, self.renderer(error), dict(error.headers)
        except Exception:  # a bug or an outage: one log line (traceback, correlation id), a fixed body
            logger.exception("unhandled error in %s %s", request.method, spec.path)
            error = InternalError()
            status, body, headers = error.status, self.renderer(error), {}
        headers.update(cors_headers(request.headers))
        if isinstance(body, bytes):  # a file (core/files/answer.py); its headers say what it is
            if self.audit is not None and spec.audited and spec.path.startswith(self.audit_prefix):
                self._record(call, spec, status, f"<file {headers.get('Content-Disposition', '')}, "
                                                 f"{len(body)} bytes>", started)
            return Response(body=body, status_code=status, headers=headers)
        text = "" if body is None else json.dumps(body, separators=(",", ":"), default=str)
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        if self.audit is not None and spec.audited and spec.path.startswith(self.audit_prefix):
            self._record(call, spec, status, text, started)
        return Response(body=text, status_code=status, headers=headers)

    def _run(self, spec: RouteSpec, call: Call, path_params: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if spec.optional_auth and call.principal is None:
            header = (call.request.headers or {}).get("authorization")
            if header:
                if self.authenticator is None:
                    raise Unauthorized()
                call.principal = self.authenticator(header)
        if not spec.public:
            if call.principal is None:
                raise Unauthorized()
            if not call.principal.has_any(spec.roles):
                raise Forbidden()
            if spec.permission is not None and not (
                    self.permissions is not None and self.permissions(call.principal, spec.permission)):
                raise Forbidden()
        call.path = self._path_values(spec, path_params)
        if spec.query is not None:
            call.query_model = validate(spec.query, call.query)
        if call.method in {"POST", "PUT", "PATCH"} or spec.request is not None:
            call.parsed = read_body(call.request, allowed=spec.body_types,
                                    max_bytes=get_settings().max_body_bytes)
            if spec.request is not None:
                # a form's text is read by type first, so what a JSON part holds stays as strict as JSON
                call.body = validate(spec.request, _typed_fields(spec.request, call.parsed))
        result = spec.handler(call)
        if isinstance(result, Answer):  # a FileReply (core/files/answer.py), imported only by routes that send files
            return result.answer(call.request, self.product)
        if isinstance(result, Reply):
            return result.status or spec.status, to_jsonable(result.body), dict(result.headers)
        return spec.status, to_jsonable(result), {}

    @staticmethod
    def _path_values(spec: RouteSpec, raw: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, kind in spec.param_types.items():
            value = raw.get(name, "")
            if kind == "int":
                text = str(value)
                if not (text.isascii() and text.isdigit() and len(text) <= 18):  # "²".isdigit() is True
                    raise NotFound()
                values[name] = int(value)
            elif kind == "uuid":
                import uuid

                try:
                    values[name] = str(uuid.UUID(str(value)))
                except ValueError as exc:
                    raise NotFound() from exc
            else:
                values[name] = value
        return values

    def record_refusal(self, method: str, path: str, status: int, response_text: str = "") -> None:
        """Log a request refused before any route ran (authorizer 401, unknown path 404, unknown verb
        405): no principal, no request payload (it may hold the very token that was refused)."""
        if self.audit is None or not path.startswith(self.audit_prefix):
            return
        from chalicelib.core.audit import redact_payload

        try:
            self.audit(AuditEntry(principal=None, method=method.upper()[:16], endpoint=path[:1024],
                                  request_payload="",
                                  response_payload=redact_payload(response_text, get_settings().log_payload_chars),
                                  status_code=status, duration_ms=0.0))
        except Exception:  # the audit trail must never break the answer it describes
            logger.exception("audit record failed")

    def _record(self, call: Call, spec: RouteSpec, status: int, response_text: str, started: float) -> None:
        from chalicelib.core.audit import redact_payload  # only products with audit pay for it

        try:
            request_text = ""
            if call.parsed is not None and call.parsed.fields:
                request_text = json.dumps(call.parsed.fields, default=str)
            elif call.parsed is not None and call.parsed.files:
                request_text = json.dumps({name: f"<file {f.filename}, {len(f.data)} bytes>"
                                           for name, f in call.parsed.files.items()})
            limit = get_settings().log_payload_chars
            endpoint = request_path(call.request) or spec.openapi_path
            self.audit(AuditEntry(  # type: ignore[misc]
                principal=call.principal, method=call.method, endpoint=endpoint,
                request_payload=redact_payload(request_text, limit),
                response_payload=redact_payload(response_text, limit),
                status_code=status, duration_ms=(time.perf_counter() - started) * 1000))
        except Exception:  # the audit trail must never break the request it describes
            logger.exception("audit record failed")


def request_path(request: Any) -> str:
    """The path the client asked for, without API Gateway's stage prefix (`/prod/api/...`)."""
    context = request.context or {}
    path = str(context.get("path") or "")
    stage = context.get("stage")
    if stage and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1:]
    return path


def cors_headers(request_headers: Any) -> dict[str, str]:
    """Echo the Origin when the stage allows it (several origins, credentials allowed)."""
    origin = (request_headers or {}).get("origin")
    allowed = get_settings().cors_origins
    if not origin or not (origin in allowed or "*" in allowed):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin", "Access-Control-Expose-Headers": "X-Next-Cursor,Link,Retry-After,Content-Disposition"}


def require(condition: bool, field_name: str, message: str) -> None:
    """Raise a one-field 400 unless `condition` holds."""
    if not condition:
        raise ValidationFailed({field_name: [message]})


def _typed_fields(model: type[BaseModel], body: ParsedBody) -> dict[str, Any]:
    """A form's text read by the model's field types (core/formtext.py); a JSON body as sent."""
    if not body.text:
        return body.fields
    from chalicelib.core.formtext import typed

    return typed(model, body.fields)
