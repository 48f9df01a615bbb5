"""Passwords, tokens (issue/verify, JWKS), the authorizer and role checks."""
