"""A small loopback HTTP endpoint to talk to a running stack (`make schedule NAME=...`).

The running stack writes `<data dir>/control.json` (its pid, control URL, moto endpoint and
products); `GET /status` describes it and `POST /fire {"name", "product"}` runs a schedule now.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONTROL_FILE = "control.json"
Answer = tuple[int, dict[str, Any]]


class ControlServer:
    def __init__(self, status: Callable[[], dict[str, Any]], fire: Callable[[str, str | None], Answer],
                 host: str = "127.0.0.1", port: int = 0) -> None:
        class Handler(BaseHTTPRequestHandler):
            def _reply(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/status":
                    self._reply(200, status())
                else:
                    self._reply(404, {"error": "not found"})

            def do_POST(self) -> None:
                if self.path != "/fire":
                    self._reply(404, {"error": "not found"})
                    return
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0") or 0)) or b"{}")
                    name = str(body["name"])
                except (ValueError, KeyError, TypeError):
                    self._reply(400, {"error": 'expected {"name": "...", "product": "..."}'})
                    return
                self._reply(*fire(name, body.get("product")))

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


def call(url: str, path: str, body: dict[str, Any] | None = None, timeout: float = 600.0) -> Answer:
    """(status, JSON body) from a control endpoint; raises OSError when nobody answers."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_stack(data_dir: Path) -> dict[str, Any] | None:
    """control.json of a live stack on `data_dir`, or None (a stale file is removed)."""
    path = data_dir / CONTROL_FILE
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if _alive(int(info.get("pid", 0) or 0)):
        try:
            call(info["control"], "/status", timeout=5.0)
            return info
        except OSError:
            pass
    path.unlink(missing_ok=True)
    return None


def write_info(data_dir: Path, info: dict[str, Any]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / (CONTROL_FILE + ".tmp")
    tmp.write_text(json.dumps(info, indent=2), "utf-8")
    os.replace(tmp, data_dir / CONTROL_FILE)


def remove_info(data_dir: Path) -> None:
    path = data_dir / CONTROL_FILE
    try:
        if json.loads(path.read_text("utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass
