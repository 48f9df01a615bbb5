"""Chalice's local HTTP server, embedded and threaded, plus `/docs` (Swagger UI) in front of it.

`create_local_server` is what `chalice local` uses (it also makes `current_request` thread-local);
the request handler class is swapped for one that answers `/docs` first when
`local.docs` is present, and writes one short access-log line per request.
"""

from __future__ import annotations

import importlib
import sys
import threading
from typing import Any
from urllib.parse import urlsplit

from chalice.local import ChaliceRequestHandler, ThreadedHTTPServer

LISTEN_BACKLOG = 128  # socketserver's default of 5 reset part of a burst of 60 connections


class BurstServer(ThreadedHTTPServer):
    """Chalice's threaded server with a listen backlog that holds a burst of connections."""

    request_queue_size = LISTEN_BACKLOG


def _docs_response(path: str) -> tuple[int, dict[str, str], bytes] | None:
    try:
        docs = importlib.import_module("local.docs")
    except ModuleNotFoundError:
        return None
    return docs.docs_response(path)


class RequestHandler(ChaliceRequestHandler):
    """Chalice's handler with `/docs` first and a compact access log."""

    product = "api"

    def _generic_handle(self) -> None:
        path = urlsplit(self.path).path
        if self.command in ("GET", "HEAD") and (path == "/docs" or path.startswith("/docs/")):
            answer = _docs_response(path)
            if answer is not None:
                status, headers, body = answer
                headers = dict(headers)
                headers.setdefault("Content-Type", "text/html; charset=utf-8")
                self._send_http_response(status, headers, b"" if self.command == "HEAD" else body)
                return
        super()._generic_handle()

    # the base class binds its own _generic_handle to every verb: rebind ours
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def __getattr__(self, name: str) -> Any:
        """Any other verb (TRACE, CONNECT, PROPFIND...) goes to the gateway too, which answers 405 or 404
        in the product's shape; http.server would answer 501 in HTML."""
        if name.startswith("do_") and name[3:].isascii() and name[3:].isalpha():
            return self._generic_handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"[{self.product}] {self.address_string()} {format % args}\n")


class HttpServer:
    """One product's API on host:port, served from a daemon thread."""

    def __init__(self, app: Any, slug: str, host: str, port: int) -> None:
        from chalice.config import Config
        from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

        config = Config.create(chalice_stage=slug, app_name=app.app_name, lambda_timeout=900)
        # what chalice.local.create_local_server does, with our server class (the backlog is read at bind)
        if not isinstance(app, CustomLocalChalice):  # the same app served twice (tests) is swapped once
            CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
            app.__class__ = CustomLocalChalice
        handler = type("ProductRequestHandler", (RequestHandler,), {"product": slug})
        self.local = LocalDevServer(app, config, host, port, handler_cls=handler,
                                    server_cls=BurstServer)  # binds now: a busy port fails here
        self.host, self.port = self.local.server.server_address[:2]
        self._thread = threading.Thread(target=self.local.server.serve_forever, name=f"http-{slug}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.local.server.shutdown()
        self.local.server.server_close()
