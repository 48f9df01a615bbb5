"""The public `GET /openapi.json` route. Declared with the product's routes; the generator
(core/openapi.py, its error-shape inference and schema walking) is imported on the first request, so
`import app` does not load it."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import Api, Call


def register_openapi_route(product: Any) -> None:
    """Public `GET /openapi.json`, built on first request (every route is declared by then)."""
    api: Api = product.api
    if any(route.path == "/openapi.json" for route in api.routes):
        return
    cache: dict[str, Any] = {}

    @api.route("/openapi.json", ["GET"], public=True, audited=False, name="openapi_document",
               summary="This API's OpenAPI 3.1 document")
    def openapi_document(call: Call) -> dict[str, Any]:
        if "document" not in cache:
            from chalicelib.core.openapi import build_document

            cache["document"] = build_document(api)
        return cache["document"]
