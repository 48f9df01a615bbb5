"""Swagger UI at `/docs` in the embedded stack, from packaged assets (no CDN), reading `/openapi.json`.

The assets come from a dev-only package, never from the Lambda bundle: `swagger-ui-py` (Swagger UI
5, which renders OpenAPI 3.1) when installed, else `swagger-ui-bundle` (Swagger UI 4, which reads
only OpenAPI 3.0 documents). The packages are located, not imported, so serving costs no imports.
Only a fixed list of file names is served: a path cannot reach anything else on disk.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

PREFIX = "/docs"
SPEC_URL = "/openapi.json"
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "index.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "application/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>API documentation</title>
  <link rel="stylesheet" href="{prefix}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{prefix}/favicon-32x32.png" sizes="32x32">
  <style>body {{ margin: 0; }}</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{prefix}/swagger-ui-bundle.js"></script>
  <script src="{prefix}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{spec}",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout"
    }});
  </script>
</body>
</html>
"""


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def asset_dir() -> Path | None:
    """Where Swagger UI's files are, or None when neither package is installed."""
    modern = _package_dir("swagger_ui")  # swagger-ui-py
    if modern is not None and (modern / "static" / "swagger-ui-bundle.js").exists():
        return modern / "static"
    bundle = _package_dir("swagger_ui_bundle")
    if bundle is not None:
        found = sorted((bundle / "vendor").glob("swagger-ui-*/swagger-ui-bundle.js"))
        if found:
            return found[-1].parent
    return None


@cache
def _asset(name: str) -> bytes | None:
    folder = asset_dir()
    if folder is None or name not in ASSETS or not (folder / name).is_file():
        return None
    return (folder / name).read_bytes()


def _text(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": content_type, "Cache-Control": "no-cache"}, text.encode("utf-8")


def docs_response(path: str) -> tuple[int, dict[str, str], bytes] | None:
    """The response for `path`, or None when it is not a docs path (the caller routes it on)."""
    path = path.split("?", 1)[0]
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    name = path[len(PREFIX):].strip("/")
    if name in ("", "index.html"):
        if asset_dir() is None:
            return _text(503, "Swagger UI is not installed: `make install` adds it (requirements-dev.txt).")
        return _text(200, INDEX.format(prefix=PREFIX, spec=SPEC_URL), "text/html; charset=utf-8")
    body = _asset(name)
    if body is None:
        return _text(404, "Not found.")
    return 200, {"Content-Type": ASSETS[name], "Cache-Control": "public, max-age=86400"}, body
