"""moto's ThreadedMotoServer on a loopback port, with consistent snapshots of its state.

Requests run under a shared lock and a snapshot takes it exclusively, so a snapshot never sees
half of a transaction. SQS long polls are the exception: they may wait for seconds inside moto,
and holding them would stall every other request, so they run unlocked (the pickler retries if
one of them changes a queue mid-snapshot). Requests that may change state mark the emulation
dirty, so an idle stack does not re-pickle itself every few seconds.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from local import snapshot

_READ_TARGETS = frozenset({
    # DynamoDB
    "GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "DescribeTimeToLive",
    "TransactGetItems",
    # SQS (ReceiveMessage changes receive counts, but a delete or visibility change always follows)
    "ReceiveMessage", "GetQueueUrl", "GetQueueAttributes", "ListQueues",
    # Secrets Manager
    "GetSecretValue", "DescribeSecret", "ListSecrets",
})
_UNLOCKED_TARGETS = frozenset({"ReceiveMessage"})


class SharedExclusiveLock:
    """Many requests at once, or one snapshot; a waiting snapshot holds back new requests."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_shared(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._writer and not self._writers_waiting)
            self._readers += 1

    def release_shared(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_exclusive(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            self._cond.wait_for(lambda: not self._writer and not self._readers)
            self._writers_waiting -= 1
            self._writer = True

    def release_exclusive(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


def _operation(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target.rsplit(".", 1)[-1] if target else ""


class Emulator:
    """Owns the moto server thread and the state it serves."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.lock = SharedExclusiveLock()
        self._dirty = threading.Event()
        self._server: Any = None
        self._last_digest: str | None = None

    # -- the server -------------------------------------------------------------------------

    def _middleware(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            operation = _operation(environ)
            if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD") and operation not in _READ_TARGETS:
                self._dirty.set()
            if operation in _UNLOCKED_TARGETS:
                return app(environ, start_response)
            self.lock.acquire_shared()
            try:
                return list(app(environ, start_response))
            finally:
                self.lock.release_shared()
        return wrapped

    def start(self) -> str:
        """Start serving; returns the endpoint URL (http://127.0.0.1:<port>)."""
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        from local import moto_fixes

        moto_fixes.install()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        emulator = self

        class _Server(ThreadedMotoServer):
            def _server_entry(self) -> None:  # moto's own entry, with our middleware around the app
                app = emulator._middleware(DomainDispatcherApplication(create_backend_app))
                self._server = make_server(self._ip_address, self._port, app, True)
                self._server_ready_event.set()
                self._server.serve_forever()

        self._server = _Server(self.host, self.port, verbose=False)
        self._server.start()
        self.host, self.port = self._server.get_host_and_port()
        return self.endpoint

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            inner = getattr(self._server, "_server", None)
            if inner is not None:
                inner.server_close()
            self._server = None

    # -- state ------------------------------------------------------------------------------

    def restore(self, store: snapshot.Store) -> str:
        """Load the saved state (before the first request); returns what happened."""
        state, message = store.load()
        if state is not None:
            skipped = snapshot.install(state)
            if skipped:
                message += f" (could not restore: {', '.join(skipped)})"
            self._last_digest = hashlib.sha256(store.state_path.read_bytes()).hexdigest()
        return message

    def save(self, store: snapshot.Store, force: bool = False) -> bool:
        """Write a snapshot if anything may have changed since the last one; True if written."""
        if not force and not self._dirty.is_set():
            return False
        self._dirty.clear()
        self.lock.acquire_exclusive()
        try:
            data = snapshot.dumps(snapshot.capture())
        finally:
            self.lock.release_exclusive()
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._last_digest:
            return False
        store.save(data)
        self._last_digest = digest
        return True
