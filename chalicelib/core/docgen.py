"""`make openapi`: writes (or checks) every product's generated documents from its route table.

- docs/openapi/<product>.json: the OpenAPI 3.1 document (core/openapi.py);
- docs/routes/<product>.md: the route index (core/routeindex.py).

This is the one module that builds whole apps to document them, so core/openapi.py never imports
app_factory (which registers openapi's route): no import cycle between them.

    python -m chalicelib.core.docgen --write      # regenerate
    python -m chalicelib.core.docgen --check      # exit 1 naming the stale files
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from chalicelib.core.api import Api

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_DIR = ROOT / "docs" / "openapi"
ROUTES_DIR = ROOT / "docs" / "routes"
TESTS_DIR = ROOT / "tests"


def available_products() -> list[str]:
    """The products whose package exists (app_factory lists the planned ones too)."""
    from chalicelib.core.app_factory import PRODUCTS

    return [slug for slug in PRODUCTS if importlib.util.find_spec(f"chalicelib.products.{slug}") is not None]


def product_api(slug: str) -> Api:
    """The route table of one product's app, built as Lambda builds it (core routes included)."""
    from chalicelib.core.app_factory import create_app

    return create_app(slug).crm_product.api


def product_document(slug: str) -> dict[str, Any]:
    from chalicelib.core.openapi import build_document

    return build_document(product_api(slug))


def texts(slug: str) -> dict[Path, str]:
    """Each generated file of `slug` and its fresh text (the app is built once for both)."""
    from chalicelib.core.app_factory import PRODUCTS
    from chalicelib.core.openapi import build_document, dump
    from chalicelib.core.routeindex import build_index, read_tests

    api = product_api(slug)
    return {OPENAPI_DIR / f"{slug}.json": dump(build_document(api)),
            ROUTES_DIR / f"{slug}.md": build_index(api, slug, read_tests(TESTS_DIR, ROOT, slug, PRODUCTS))}


def stale_files(slugs: list[str], write: bool) -> list[Path]:
    """The files whose committed text differs from a fresh one (written when `write`)."""
    stale = []
    for slug in slugs:
        for target, text in texts(slug).items():
            if target.exists() and target.read_text() == text:
                continue
            stale.append(target)
            if write:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
    return stale


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Write or check docs/openapi/<product>.json and "
                                                 "docs/routes/<product>.md")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write every product's documents")
    mode.add_argument("--check", action="store_true", help="exit 1 when a committed document is stale")
    parser.add_argument("--product", help="only this product")
    args = parser.parse_args(argv)
    stale = stale_files([args.product] if args.product else available_products(), write=args.write)
    for target in stale:
        shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"{'wrote' if args.write else 'stale'} {shown}",
              file=sys.stdout if args.write else sys.stderr)
    if stale and args.check:
        print("run `make openapi` and commit the result", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
