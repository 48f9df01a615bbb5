"""The JWKS route every product shares: the public keys that verify the stage's tokens."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import Call
from chalicelib.core.auth.keys import keyring


def register_jwks_route(product: Any) -> None:
    if any(route.path == "/.well-known/jwks.json" for route in product.api.routes):
        return

    @product.api.route("/.well-known/jwks.json", ["GET"], public=True, audited=False,
                       summary="Public keys that verify this stage's tokens")
    def jwks(call: Call) -> dict[str, Any]:
        return keyring.jwks()
