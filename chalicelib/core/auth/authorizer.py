"""The built-in Chalice authorizer: authenticates the bearer token, hands the principal to routes.

It accepts the stage's own tokens and, when configured, a real Cognito user pool's. Role checks
happen per route (chalicelib.core.api), where they can be rendered in the product's error shape.
A rejected token raises `TokenRejected` ("Unauthorized"), which API Gateway answers with 401.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import Any

import jwt

from chalicelib.core.auth import cognito
from chalicelib.core.auth.tokens import TokenRejected, TokenService, principal_from_claims
from chalicelib.core.config import get_settings

log = logging.getLogger("crm.authorizer")


def bearer_token(header: str | None) -> str:
    if not header:
        raise TokenRejected("Authentication credentials were not provided.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("Authorization header must be 'Bearer <token>'.")
    return token.strip()


def authenticate(header: str | None, tokens: TokenService) -> Any:
    token = bearer_token(header)
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise TokenRejected("Token is invalid.") from exc
    if cognito.configured() and issuer == get_settings().cognito_issuer:
        return principal_from_claims(cognito.verify_cognito(token))
    claims = tokens.verify(token, "access")
    if tokens.session_revoked(claims):  # logged out: the session's access tokens end with it
        raise TokenRejected("Token has been revoked.")
    return principal_from_claims(claims)


def register_authorizer(app: Any, product: Any) -> Any:
    from chalice import AuthResponse

    tokens = product_tokens(product)
    product.api.authenticator = optional_authenticator(tokens)

    # No result cache (ttl 0): with a cache, API Gateway would keep answering "allow" for a logged-out
    # token until the cached result expired, so its TTL would bound how long a revoked token lives.
    @app.authorizer(name="jwt_authorizer", ttl_seconds=0)
    def jwt_authorizer(auth_request: Any) -> Any:
        from chalicelib.core.config import using_settings

        with using_settings(getattr(product, "settings", None)):
            try:
                principal = authenticate(auth_request.token, tokens)
            except TokenRejected as exc:
                log.info("token refused: %s", exc)  # the reason only: never the token
                record_denial(product, auth_request)
                raise TokenRejected("Unauthorized") from exc  # the exact message API Gateway maps to 401
        return AuthResponse(routes=["*"], principal_id=principal.subject, context=principal.to_context())

    jwt_authorizer.__class__ = correlated_authorizer_class()  # its log lines carry the Lambda request id

    return jwt_authorizer


@cache
def correlated_authorizer_class() -> type:
    """Chalice's authorizer, run under the invocation's Lambda request id (API Gateway's TOKEN
    event carries no request id of its own)."""
    from chalice.app import ChaliceAuthorizer

    from chalicelib.core.logs import correlated, lambda_request_id

    class CorrelatedAuthorizer(ChaliceAuthorizer):
        def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
            with correlated(lambda_request_id(context)):
                return super().__call__(event, context)

    return CorrelatedAuthorizer


def optional_authenticator(tokens: TokenService) -> Any:
    """For `auth="optional"` routes (no API Gateway authorizer): the Api checks a token the caller chose
    to send, and an invalid one is a 401 in the product's shape rather than an anonymous call."""
    from chalicelib.core.errors import Unauthorized

    def check(header: str) -> Any:
        try:
            return authenticate(header, tokens)
        except TokenRejected as exc:
            raise Unauthorized(str(exc)) from exc

    return check


def record_denial(product: Any, auth_request: Any) -> None:
    """The API log sees refused requests: API Gateway never calls the app for them, so the authorizer
    records its own 401 (method and path from the method ARN; never the token)."""
    from chalicelib.core.errors import Unauthorized

    arn = str(getattr(auth_request, "method_arn", "") or "")
    parts = arn.split(":", 5)[-1].split("/", 3)  # <api id>/<stage>/<METHOD>/<path>
    if len(parts) < 3:
        return
    method, path = parts[2], "/" + (parts[3] if len(parts) > 3 else "")
    api = product.api
    api.record_refusal(method, path, 401, json.dumps(api.renderer(Unauthorized())))


_services: dict[str, TokenService] = {}


def product_tokens(product: Any) -> TokenService:
    """The product's TokenService (one per process)."""
    return token_service(product.slug, product.access_ttl_minutes, product.refresh_ttl_minutes,
                         product.resolve_user)


def token_service(slug: str, access_minutes: int, refresh_minutes: int, resolve_user: Any = None) -> TokenService:
    """One TokenService per product slug (the authorizer and the product's auth flows share it). The
    product built last supplies the user resolver: a process that builds its product again (tests, the
    embedded stack) must not keep checking refreshes against the first build's resolver."""
    if slug not in _services:
        _services[slug] = TokenService(slug, access_minutes, refresh_minutes, resolve_user)
    elif resolve_user is not None:
        _services[slug].resolve_user = resolve_user
    return _services[slug]
