"""Make Chalice's local gateway answer what the deployed stage answers, in the product's error shape.

- An authorizer rejection is a 401: in AWS, an authorizer that raises "Unauthorized" yields a 401
  whose body the stage's GatewayResponses (infra/) render; Chalice's local gateway lets the
  exception escape instead (a 500).
- An unknown path is a 404 (Chalice answers API Gateway's 403 "Missing Authentication Token",
  which the stage's GatewayResponses turn into the product's 404).
- A method the path does not serve is a 405 with `Allow` (GET/POST/PUT/PATCH/DELETE/HEAD are
  routed to the Api's 405 handler anyway; this catches TRACE, CONNECT and any other verb).

The 404s and 405s are recorded in the product's API log, as the authorizer records its 401s.
The embedded stack and the test client both install this shim.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from chalice import local

from chalicelib.core.api import cors_headers
from chalicelib.core.auth.tokens import TokenRejected
from chalicelib.core.errors import ApiError, MethodNotAllowed, NotFound, Unauthorized

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    original = local.LocalGatewayAuthorizer.authorize

    def authorize(self: Any, raw_path: str, lambda_event: Any, lambda_context: Any) -> Any:
        try:
            return original(self, raw_path, lambda_event, lambda_context)
        except (TokenRejected, local.NotAuthorizedError) as exc:
            renderer = getattr(self._app_object, "crm_error_renderer", None)
            message = str(exc) if isinstance(exc, TokenRejected) and str(exc) != "Unauthorized" else None
            error = Unauthorized(message)
            body = renderer(error) if renderer else {"message": "Unauthorized"}
            headers = {"Content-Type": "application/json", "x-amzn-ErrorType": "UnauthorizedException",
                       **cors_headers(lambda_event.get("headers"))}
            product = getattr(self._app_object, "crm_product", None)
            if isinstance(exc, local.NotAuthorizedError) and product is not None:
                # no Authorization header: the gateway refused without calling the authorizer (which
                # records the 401s it decides itself); in AWS only the stage's access log sees these
                context = lambda_event.get("requestContext") or {}
                product.api.record_refusal(str(context.get("httpMethod") or lambda_event.get("httpMethod") or ""),
                                           urlsplit(raw_path).path, 401, json.dumps(body))
            raise local.NotAuthorizedError(headers, json.dumps(body).encode("utf-8")) from exc

    local.LocalGatewayAuthorizer.authorize = authorize
    original_handle = local.LocalGateway.handle_request

    def handle_request(self: Any, method: str, path: str, headers: Any, body: Any) -> Any:
        refused = _refusal(self._app_object, method, path)
        if refused is None:
            return original_handle(self, method, path, headers, body)
        error, allow = refused
        return _answer(self._app_object, method, path, headers, error, allow)

    local.LocalGateway.handle_request = handle_request
    _installed = True


def _refusal(app: Any, method: str, path: str) -> tuple[ApiError, list[str]] | None:
    """(404 or 405, the allowed methods) when no route serves this method and path, else None."""
    if getattr(app, "crm_error_renderer", None) is None:
        return None
    try:
        route = local.RouteMatcher(list(app.routes)).match_route(path)
    except ValueError:
        return NotFound(), []
    methods = app.routes[route.route]
    if method.upper() in methods or method.upper() == "OPTIONS":
        return None
    served = {name for name, entry in methods.items() if not entry.view_name.startswith("not_allowed_")}
    return MethodNotAllowed(f'Method "{method.upper()}" not allowed.'), sorted({*served, "OPTIONS"})


def _answer(app: Any, method: str, path: str, headers: Any, error: ApiError, allow: list[str]) -> dict[str, Any]:
    text = json.dumps(app.crm_error_renderer(error))
    product = getattr(app, "crm_product", None)
    if product is not None:
        product.api.record_refusal(method, urlsplit(path).path, error.status, text)
    response_headers = {"Content-Type": "application/json", **cors_headers(headers or {})}
    if allow:
        response_headers["Allow"] = ", ".join(allow)
    return {"statusCode": error.status, "headers": response_headers, "multiValueHeaders": {},
            "body": "" if method.upper() == "HEAD" else text}
