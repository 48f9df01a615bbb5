"""Make Chalice's local gateway answer an authorizer rejection as API Gateway does: 401.

In AWS, an authorizer that raises "Unauthorized" yields a 401 whose body the stage's
GatewayResponses (infra/) render in the product's error shape. Chalice's local gateway lets the
exception escape instead (a 500), so the embedded stack and the test client install this shim.
"""

from __future__ import annotations

import json
from typing import Any

from chalice import local

from chalicelib.core.api import cors_headers
from chalicelib.core.auth.tokens import TokenRejected
from chalicelib.core.errors import Unauthorized

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
            raise local.NotAuthorizedError(headers, json.dumps(body).encode("utf-8")) from exc

    local.LocalGatewayAuthorizer.authorize = authorize
    _installed = True
