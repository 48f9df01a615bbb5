"""Swagger UI at /docs, served from a packaged asset (no CDN) and pointed at /openapi.json."""

from __future__ import annotations

import pytest

from local import docs
from local.docs import asset_dir, docs_response

needs_assets = pytest.mark.skipif(asset_dir() is None, reason="no Swagger UI package installed")


@pytest.mark.parametrize("path", ["/api/customers/", "/openapi.json", "/docsx", "/", "/doc"])
def test_other_paths_are_not_ours(path):
    assert docs_response(path) is None


@needs_assets
@pytest.mark.parametrize("path", ["/docs", "/docs/", "/docs/index.html", "/docs?x=1"])
def test_index_points_at_the_document_with_local_assets(path):
    status, headers, body = docs_response(path)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert 'url: "/openapi.json"' in page
    assert "/docs/swagger-ui-bundle.js" in page and "/docs/swagger-ui.css" in page
    assert "http://" not in page and "https://" not in page  # nothing from a CDN


@needs_assets
@pytest.mark.parametrize(("name", "kind"), [("swagger-ui-bundle.js", "application/javascript"),
                                            ("swagger-ui-standalone-preset.js", "application/javascript"),
                                            ("swagger-ui.css", "text/css")])
def test_assets_are_served(name, kind):
    status, headers, body = docs_response(f"/docs/{name}")
    assert status == 200
    assert headers["Content-Type"].startswith(kind)
    assert len(body) > 1000


@needs_assets
@pytest.mark.parametrize("path", ["/docs/../../app.py", "/docs/nothing.js", "/docs/%2e%2e/app.py",
                                  "/docs/swagger-ui.js.map"])
def test_only_known_files_are_served(path):
    status, _, body = docs_response(path)
    assert status == 404
    assert body == b"Not found."


def test_without_a_package_the_page_says_how_to_get_one(monkeypatch):
    monkeypatch.setattr(docs, "asset_dir", lambda: None)
    status, _, body = docs_response("/docs")
    assert status == 503
    assert b"make install" in body


def test_the_lambda_never_needs_the_assets():
    from pathlib import Path

    requirements = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text().lower()
    assert "swagger" not in requirements
