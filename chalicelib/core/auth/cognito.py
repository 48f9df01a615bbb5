"""Verification of tokens from a configured Amazon Cognito user pool (JWKS fetched and cached)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jwt

from chalicelib.core.auth.tokens import TokenRejected
from chalicelib.core.config import get_settings


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def configured() -> bool:
    """All three settings, or Cognito is off: without a client id every app client of the pool
    (another team's, a test client) would be accepted."""
    settings = get_settings()
    return bool(settings.cognito_issuer and settings.cognito_jwks_url and settings.cognito_client_id)


def verify_cognito(token: str) -> dict[str, Any]:
    """Signature against the pool's JWKS, expiry, issuer, app client id and `token_use=access`."""
    settings = get_settings()
    try:
        signing_key = _jwks_client(settings.cognito_jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, signing_key.key, algorithms=["RS256"], issuer=settings.cognito_issuer,
                            options={"require": ["exp", "iat", "sub", "iss"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("Token has expired.") from exc
    except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
        raise TokenRejected("Token is invalid.") from exc
    if claims.get("token_use") != "access":
        raise TokenRejected("Token is invalid.")
    if claims.get("client_id") != settings.cognito_client_id:
        raise TokenRejected("Token is invalid.")
    return claims
