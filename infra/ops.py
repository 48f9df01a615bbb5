"""The operator's commands for a deployed stage, run with the operator's AWS credentials.

    python -m infra.ops bootstrap-admin --stage repaysync   (make bootstrap-admin STAGE=repaysync)
    python -m infra.ops rotate-keys --stage repaysync       (make rotate-keys STAGE=repaysync)

`bootstrap-admin` puts the first signing key into the stack's secret when it has none, then creates
the product's first admin (`product.seed_admin`) or, when it exists, resets its password. The
password is typed (twice) or read from CRM_ADMIN_PASSWORD; never from the repository. Running it
again is safe: still one admin, with the latest password.

`rotate-keys` makes a new current key; the previous one keeps verifying for the product's longest
token lifetime (its refresh tokens), then drops out of the JWKS (chalicelib/core/auth/keys.py).

Lambdas may only read the secret; these commands are the only writers in AWS.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from chalicelib.core import aws
from chalicelib.core.auth.keys import SigningKey, initialise_keys, rotate_keys
from chalicelib.core.config import get_settings

MIN_PASSWORD_LENGTH = 10


def grace_seconds(product: Any) -> int:
    """How long a retired key keeps verifying: the longest lifetime of a token it may have signed."""
    settings = get_settings()
    minutes = max(settings.refresh_ttl_minutes or product.refresh_ttl_minutes,
                  settings.access_ttl_minutes or product.access_ttl_minutes)
    return minutes * 60


def ensure_signing_key() -> SigningKey | None:
    """The stage's first key, when its secret has none (None when it already had one)."""
    client = aws.secrets()
    secret = get_settings().signing_key_secret
    try:
        client.describe_secret(SecretId=secret)
    except client.exceptions.ResourceNotFoundException:
        raise SystemExit(f"no secret {secret!r}: deploy the stage's stack first (infra/README.md)") from None
    return initialise_keys(client, secret)


def rotate_signing_keys(product: Any) -> SigningKey:
    ensure_signing_key()
    return rotate_keys(aws.secrets(), get_settings().signing_key_secret, grace_seconds(product))


def bootstrap_admin(product: Any, password: str) -> Any:
    if product.seed_admin is None:
        raise SystemExit(f"{product.slug} has no seed_admin: it cannot bootstrap an admin yet")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SystemExit(f"the admin password needs at least {MIN_PASSWORD_LENGTH} characters")
    ensure_signing_key()
    return product.seed_admin(password, reset=True)


def admin_password() -> str:
    password = os.environ.get("CRM_ADMIN_PASSWORD", "")
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("set CRM_ADMIN_PASSWORD or run from a terminal to type the password")
    password = getpass.getpass("New admin password: ")
    if getpass.getpass("Again: ") != password:
        raise SystemExit("the passwords differ")
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["bootstrap-admin", "rotate-keys"])
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json (named after its product)")
    args = parser.parse_args(argv)

    from infra.stages import apply_stage_environment

    env = apply_stage_environment(args.stage)  # before the product's models are imported
    from chalicelib.core.app_factory import load_product

    product = load_product(env["CRM_PRODUCT"])
    settings = get_settings()
    if args.command == "bootstrap-admin":
        bootstrap_admin(product, admin_password())
        print(f"[{args.stage}] the admin ({product.admin_login}) is ready (region {settings.region}); "
              f"signing keys in {settings.signing_key_secret}")
    else:
        fresh = rotate_signing_keys(product)
        print(f"[{args.stage}] new signing key {fresh.kid}; the previous one verifies for "
              f"{grace_seconds(product) // 60} more minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
